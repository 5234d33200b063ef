// conv1d/2d/3d: an accumulator started at the bias and updated over (input
// channel of the group, kernel taps) from a zero-padded input; the
// activation applies on top. The accumulator is the anchor schedule
// templates tile.
#include "backends/halide/activation_expr.h"
#include "backends/halide/lowering_table.h"
#include "backends/halide/nchw.h"
#include "backends/halide/ops/conv_setup.h"
#include "ir/ops/window.h"

namespace cnnc::backends::halide {

namespace {

namespace hl = Halide;

hl::Func lower_conv(const ir::Node& node, std::span<const hl::Func> in, LoweringContext& ctx) {
  auto [w, cg, kg, x, v, r] = conv_setup(node, in, ctx);
  const size_t rank = w.rank();

  std::vector<hl::Expr> xi{v[0], (v[1] / kg) * cg + r[0]}, wi{v[1], r[0]};
  for (size_t a = 0; a < rank; ++a) {
    xi.push_back(v[2 + a] * to_int(w.stride[a]) - to_int(w.pad_begin[a]) +
                 r[1 + a] * to_int(w.dilation[a]));
    wi.push_back(r[1 + a]);
  }
  hl::Func acc = ctx.func("conv_acc");
  define(acc, v, in.size() > 2 ? read(in[2], {v[1]}) : hl::Expr(0.0f));
  accumulate(acc, as_exprs(v), read(x, xi) * read(in[1], wi));
  ctx.anchor = Anchor{.accumulator = acc, .reduction = r, .padded_input = x};
  hl::Func out = ctx.func("conv");
  define(out, v, layer_activation(node.attrs, read(acc, as_exprs(v))));
  return out;
}

}  // namespace

void register_conv_halide(LoweringTable& table) {
  for (const char* op : {"conv1d", "conv2d", "conv3d"}) table.add(op, lower_conv);
}

}  // namespace cnnc::backends::halide
