// pool_grad: the gradient of every pooling op, from the forward input x,
// output y and dy. Max pooling routes each window's gradient to the first
// input holding the maximum (as PyTorch), average pooling spreads it over
// the window with the forward's divisor, L2 pooling scales it by x / y.
// Global pooling is pooling with a window covering the whole input.
#include "ir/ops/pool_grad.h"

#include <fmt/format.h>

#include "ir/op_registry.h"
#include "ir/ops/window.h"

namespace cnnc::ir {

namespace {

OpDef pool_grad_def() {
  OpDef def;
  def.name = "pool_grad";
  def.summary =
      "dx of maxpool/avgpool/l2pool and the global pools; inputs x, y (the forward output), dy";
  def.kind = PatternKind::Opaque;
  def.attrs = {{.name = "pool",
                .type = AttrType::Ident,
                .default_value = std::string("max"),
                .doc = "the forward pooling",
                .choices = {"max", "avg", "l2"}},
               kernel_attr(),
               stride_attr(/*defaults_to_kernel=*/true),
               pad_attr(),
               dilation_attr(),
               {.name = "ceil_mode",
                .type = AttrType::Bool,
                .default_value = false,
                .doc = "as the forward pooling's"},
               {.name = "count_include_pad",
                .type = AttrType::Bool,
                .default_value = false,
                .doc = "as avgpool's"},
               act_attr(),
               act_alpha_attr()};
  // A folded activation_grad (passes/fold_activation_grad.h).
  def.attrs[def.attrs.size() - 2].doc =
      "x is the output of this activation, and dx is taken through it (a folded "
      "activation_grad)";
  def.min_inputs = def.max_inputs = 3;
  def.infer = [](const OpContext& ctx) {
    const Shape &x = ctx.input(0), &y = ctx.input(1), &dy = ctx.input(2);
    if (x.rank() < 3 || x.rank() > 5)
      throw OpError(fmt::format("x must be (N, C, spatial...), got {}", to_string(x)), {}, 0);
    const Window w = read_window(ctx.attrs, x, /*default_stride=*/0);
    Shape expected{x[0], x[1]};
    for (size_t a = 0; a < w.rank(); ++a) expected.dims.push_back(w.output_size(a, x[a + 2]));
    if (y != expected)
      throw OpError(fmt::format("y {} is not this pooling's output of {} (expected {})",
                                to_string(y), to_string(x), to_string(expected)),
                    {}, 1);
    if (dy != y)
      throw OpError(fmt::format("dy {} differs from y {}", to_string(dy), to_string(y)), {}, 2);
    return std::vector<Shape>{x};
  };
  def.macs = [](const OpContext&, std::span<const Shape>) -> int64_t { return 0; };
  return def;
}

TensorRef add_pool_grad(GradientContext& ctx, AttrMap attrs) {
  return ctx.add("pool_grad", "input", {ctx.inputs[0], ctx.output, ctx.output_grad},
                 std::move(attrs));
}

}  // namespace

std::vector<std::optional<TensorRef>> pool_gradient(GradientContext& ctx) {
  const std::string op = ctx.forward().op;
  AttrMap attrs =
      ctx.forward_attrs({"kernel", "stride", "pad", "dilation", "ceil_mode", "count_include_pad"});
  attrs.set("pool", op.substr(0, op.size() - 4));  // "maxpool" -> "max"
  return {add_pool_grad(ctx, std::move(attrs))};
}

std::vector<std::optional<TensorRef>> global_pool_gradient(GradientContext& ctx) {
  const Shape x = ctx.graph.shape_of(ctx.inputs[0]);
  AttrMap attrs;
  attrs.set("pool", ctx.forward().op == "global_maxpool" ? "max" : "avg");
  attrs.set("kernel", std::vector<int64_t>(x.dims.begin() + 2, x.dims.end()));
  return {add_pool_grad(ctx, std::move(attrs))};
}

void register_pool_grad_ops(OpRegistry& registry) {
  registry.add(pool_grad_def());
}

}  // namespace cnnc::ir
