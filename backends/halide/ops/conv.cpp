// conv1d/2d/3d: a direct gather over (input channel of the group, kernel
// taps) from a zero-padded input, bias and activation in the same Func.
#include "backends/halide/activation_expr.h"
#include "backends/halide/lowering_table.h"
#include "backends/halide/nchw.h"
#include "ir/ops/window.h"

namespace cnnc::backends::halide {

namespace {

namespace hl = Halide;

hl::Func lower_conv(const ir::Node& node, std::span<const hl::Func> in, LoweringContext& ctx) {
  const ir::Shape& xs = ctx.input(0);
  const ir::Shape& ys = ctx.output_shape;
  const ir::Window w = ir::read_window(node.attrs, xs);
  const size_t rank = w.rank();
  const int64_t groups = node.attrs.get_int("groups");
  const int cg = to_int(xs[1] / groups), kg = to_int(ys[1] / groups);

  hl::Func x = pad_constant(in[0], xs, 0.0f);
  auto v = make_vars(rank + 2);  // n, k, spatial...
  hl::Region taps{{0, cg}};
  for (size_t a = 0; a < rank; ++a) taps.push_back({0, to_int(w.kernel[a])});
  hl::RDom r(taps);

  std::vector<hl::Expr> xi{v[0], (v[1] / kg) * cg + r[0]}, wi{v[1], r[0]};
  for (size_t a = 0; a < rank; ++a) {
    xi.push_back(v[2 + a] * to_int(w.stride[a]) - to_int(w.pad_begin[a]) +
                 r[1 + a] * to_int(w.dilation[a]));
    wi.push_back(r[1 + a]);
  }
  hl::Expr acc = hl::sum(read(x, xi) * read(in[1], wi));
  if (in.size() > 2) acc = read(in[2], {v[1]}) + acc;
  hl::Func out = ctx.func("conv");
  define(out, v, layer_activation(node.attrs, acc));
  return out;
}

}  // namespace

void register_conv_halide(LoweringTable& table) {
  for (const char* op : {"conv1d", "conv2d", "conv3d"}) table.add(op, lower_conv);
}

}  // namespace cnnc::backends::halide
