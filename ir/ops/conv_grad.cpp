// The gradient of conv1d/2d/3d and the backward ops it adds:
// conv_grad_input (dx from dy and the weight) and conv_grad_weight (dW from
// dy and the input). Both carry the forward convolution's window and groups
// attributes, so every stride, padding (`same` included), dilation and
// grouping the forward accepts has a backward.
#include <fmt/format.h>

#include "ir/gradient.h"
#include "ir/op_registry.h"
#include "ir/ops/window.h"

namespace cnnc::ir {

namespace {

std::vector<AttrSpec> conv_window_attrs() {
  return {kernel_attr(), stride_attr(false), pad_attr(), dilation_attr(),
          positive_int_attr("groups", "channel groups of the forward convolution", 1)};
}

// dy must be what the forward convolution of `x` gives: [N, K, out...].
void check_output_grad(const OpContext& ctx, const Shape& dy, const Shape& x, int dy_input) {
  require_rank(x, dy.rank(), "conv gradient");
  const int64_t groups = ctx.attrs.get_int("groups");
  if (x[1] % groups || dy[1] % groups)
    throw OpError(
        fmt::format("groups={} does not divide both {} and {} channels", groups, x[1], dy[1]),
        "groups");
  const Window w = read_window(ctx.attrs, x);
  bool fits = dy.rank() == x.rank() && dy[0] == x[0];
  for (size_t a = 0; fits && a < w.rank(); ++a) fits = dy[a + 2] == w.output_size(a, x[a + 2]);
  if (!fits)
    throw OpError(fmt::format("dy {} is not the output shape of this convolution of {}",
                              to_string(dy), to_string(x)),
                  {}, dy_input);
}

OpDef grad_input_def() {
  OpDef def;
  def.name = "conv_grad_input";
  def.summary =
      "dx of conv1d/2d/3d: the transposed convolution of dy with the weight; inputs dy, weight, x "
      "(x for its shape)";
  def.kind = PatternKind::Opaque;
  def.attrs = conv_window_attrs();
  // A folded activation_grad (passes/fold_activation_grad.h).
  def.attrs.push_back(act_attr());
  def.attrs.back().doc =
      "x is the output of this activation, and dx is taken through it (a folded "
      "activation_grad)";
  def.attrs.push_back(act_alpha_attr());
  def.min_inputs = def.max_inputs = 3;
  def.infer = [](const OpContext& ctx) {
    const Shape &dy = ctx.input(0), &w = ctx.input(1), &x = ctx.input(2);
    check_output_grad(ctx, dy, x, 0);
    const int64_t groups = ctx.attrs.get_int("groups");
    if (w.rank() != x.rank() || w[0] != dy[1] || w[1] * groups != x[1])
      throw OpError(
          fmt::format("weight {} does not map {} channels to {}", to_string(w), x[1], dy[1]), {},
          1);
    return std::vector<Shape>{x};
  };
  def.macs = [](const OpContext& ctx, std::span<const Shape>) {
    // Per dy element: the weight's (channel in group, taps) of its output channel.
    const Shape& w = ctx.input(1);
    return ctx.input(0).elements_per_item() * (w.elements_per_item() / w[0]);
  };
  return def;
}

OpDef grad_weight_def() {
  OpDef def;
  def.name = "conv_grad_weight";
  def.summary =
      "dW of conv1d/2d/3d: dy correlated with the input over the batch; inputs dy, x; output "
      "[K, C/groups, kernel...]";
  def.kind = PatternKind::Opaque;
  def.attrs = conv_window_attrs();
  def.min_inputs = def.max_inputs = 2;
  def.infer = [](const OpContext& ctx) {
    const Shape &dy = ctx.input(0), &x = ctx.input(1);
    check_output_grad(ctx, dy, x, 0);
    Shape w{dy[1], x[1] / ctx.attrs.get_int("groups")};
    for (int64_t k : read_window(ctx.attrs, x).kernel) w.dims.push_back(k);
    return std::vector<Shape>{w};
  };
  def.macs = [](const OpContext& ctx, std::span<const Shape> outs) {
    return ctx.input(0).elements_per_item() * outs[0].elements_per_item() / outs[0][0];
  };
  return def;
}

}  // namespace

// Through the fused activation first (from the saved output), then
// dx = conv_grad_input(dz, W), dW = conv_grad_weight(dz, x), db = sum of dz.
std::vector<std::optional<TensorRef>> conv_gradient(GradientContext& ctx) {
  const TensorRef dz = ctx.through_fused_activation();
  const AttrMap window = ctx.forward_attrs({"kernel", "stride", "pad", "dilation", "groups"});
  std::vector<std::optional<TensorRef>> grads(ctx.inputs.size());
  if (ctx.needs(0))
    grads[0] = ctx.add("conv_grad_input", "input", {dz, ctx.inputs[1], ctx.inputs[0]}, window);
  if (ctx.needs(1)) grads[1] = ctx.add("conv_grad_weight", "weight", {dz, ctx.inputs[0]}, window);
  if (ctx.inputs.size() > 2 && ctx.needs(2)) grads[2] = ctx.add("sum_to_channels", "bias", {dz});
  return grads;
}

void register_conv_grad_ops(OpRegistry& registry) {
  registry.add(grad_input_def());
  registry.add(grad_weight_def());
}

}  // namespace cnnc::ir
