// relu, relu6, leaky_relu, tanh, sigmoid, elu: elementwise, with the same
// expressions as a conv/dense `act=` epilogue. The layer's own `alpha` is
// used as given (alpha=0 on leaky_relu is a plain relu), as in the reference.
#include "backends/halide/activation_expr.h"
#include "backends/halide/lowering_table.h"
#include "backends/halide/nchw.h"

namespace cnnc::backends::halide {

namespace {

namespace hl = Halide;

hl::Func lower_activation(const ir::Node& node, std::span<const hl::Func> in,
                          LoweringContext& ctx) {
  auto v = make_vars(ctx.output_shape.rank());
  float alpha = node.attrs.has("alpha") ? static_cast<float>(node.attrs.get_float("alpha")) : 0.0f;
  hl::Func out = ctx.func(node.op);
  define(out, v, activation_expr(node.op, alpha, read(in[0], as_exprs(v))));
  return out;
}

}  // namespace

void register_activation_halide(LoweringTable& table) {
  for (const char* op : {"relu", "relu6", "leaky_relu", "tanh", "sigmoid", "elu"})
    table.add(op, lower_activation);
}

}  // namespace cnnc::backends::halide
