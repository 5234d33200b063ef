// conv_transpose2d as a gather: output position o receives input position
// i through tap t when i * stride - pad + t * dilation = o, so for each tap
// the input index is (o + pad - t * dilation) / stride when that divides
// exactly. Weight [C, K/groups, R, S].
#include "backends/halide/activation_expr.h"
#include "backends/halide/lowering_table.h"
#include "backends/halide/nchw.h"
#include "backends/halide/ops/conv_setup.h"
#include "ir/ops/window.h"

namespace cnnc::backends::halide {

namespace {

namespace hl = Halide;

hl::Func lower_conv_transpose(const ir::Node& node, std::span<const hl::Func> in,
                              LoweringContext& ctx) {
  auto [w, cg, kg, x, v, r] = conv_setup(node, in, ctx);
  const size_t rank = w.rank();

  hl::Expr c = (v[1] / kg) * cg + r[0];
  std::vector<hl::Expr> xi{v[0], c}, wi{c, v[1] % kg};
  hl::Expr hits = hl::Internal::const_true();
  for (size_t a = 0; a < rank; ++a) {
    const int stride = to_int(w.stride[a]);
    hl::Expr t = v[2 + a] + to_int(w.pad_begin[a]) - r[1 + a] * to_int(w.dilation[a]);
    // Halide's division and modulo round toward -inf, so t / stride is exact when t % stride == 0.
    hits = hits && t % stride == 0;
    xi.push_back(t / stride);
    wi.push_back(r[1 + a]);
  }
  hl::Expr acc = hl::sum(hl::select(hits, read(x, xi) * read(in[1], wi), 0.0f));
  if (in.size() > 2) acc = read(in[2], {v[1]}) + acc;
  hl::Func out = ctx.func("conv_transpose");
  define(out, v, layer_activation(node.attrs, acc));
  return out;
}

}  // namespace

void register_conv_transpose_halide(LoweringTable& table) {
  table.add("conv_transpose2d", lower_conv_transpose);
}

}  // namespace cnnc::backends::halide
