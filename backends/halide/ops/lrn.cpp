// lrn: x / (k + alpha / size * sum of squares over the channel window) ^ beta,
// the window clipped to the channels by reading zeros outside them.
#include "backends/halide/lowering_table.h"
#include "backends/halide/nchw.h"

namespace cnnc::backends::halide {

namespace {

namespace hl = Halide;

hl::Func lower_lrn(const ir::Node& node, std::span<const hl::Func> in, LoweringContext& ctx) {
  const ir::Shape& xs = ctx.input(0);
  const int64_t size = node.attrs.get_int("size");
  const float scale = static_cast<float>(node.attrs.get_float("alpha") / double(size));
  const float beta = static_cast<float>(node.attrs.get_float("beta"));
  const float k = static_cast<float>(node.attrs.get_float("k"));

  hl::Func x = pad_constant(in[0], xs, 0.0f, /*first_dim=*/1);
  auto v = make_vars(xs.rank());
  hl::RDom r(0, to_int(size));
  std::vector<hl::Expr> neighbour = as_exprs(v);
  neighbour[1] = v[1] - to_int(size / 2) + r;
  hl::Expr tap = read(x, neighbour);
  hl::Expr sum = hl::sum(tap * tap);
  hl::Func out = ctx.func("lrn");
  define(out, v, read(in[0], as_exprs(v)) / hl::pow(k + scale * sum, beta));
  return out;
}

}  // namespace

void register_lrn_halide(LoweringTable& table) {
  table.add("lrn", lower_lrn);
}

}  // namespace cnnc::backends::halide
