// The gradient of the transposed convolution and the backward ops it adds:
// conv_transpose_grad_input (dx from dy and the weight: the ordinary
// convolution of dy) and conv_transpose_grad_weight (dW from dy and the
// input). Both carry the forward's window, output_padding and groups, and
// take 1 to 3 spatial axes (the reference kernel's loops are rank-generic),
// so every geometry the forward accepts has a backward.
#include "ir/ops/conv_transpose_grad.h"

#include <fmt/format.h>

#include "ir/op_registry.h"
#include "ir/ops/window.h"

namespace cnnc::ir {

namespace {

std::vector<AttrSpec> transposed_window_attrs() {
  return {kernel_attr(),
          stride_attr(false),
          int_pad_attr(),
          {.name = "output_padding",
           .type = AttrType::Ints,
           .default_value = int64_t{0},
           .doc = "as the forward's",
           .check = check_non_negative},
          dilation_attr(),
          positive_int_attr("groups", "channel groups of the forward", 1)};
}

// The forward output of the transposed convolution of `x` with `filters`
// output channels: [N, filters, (in - 1) * stride - pad + dilation * (kernel
// - 1) + output_padding + 1 ...].
Shape transposed_output(const OpContext& ctx, const Shape& x, int64_t filters) {
  if (x.rank() < 3 || x.rank() > 5)
    throw OpError(
        fmt::format("x must be (N, C, spatial...) with 1 to 3 spatial axes, got {}", to_string(x)));
  const Window w = read_window(ctx.attrs, x);
  const auto output_padding = ctx.attrs.get_ints("output_padding", w.rank());
  Shape out{x[0], filters};
  for (size_t a = 0; a < w.rank(); ++a)
    out.dims.push_back((x[a + 2] - 1) * w.stride[a] - w.pad_begin[a] - w.pad_end[a] +
                       w.dilation[a] * (w.kernel[a] - 1) + output_padding[a] + 1);
  return out;
}

// dy must be the forward output for x; returns the groups.
int64_t check_output_grad(const OpContext& ctx, const Shape& dy, const Shape& x, int dy_input) {
  const int64_t groups = ctx.attrs.get_int("groups");
  if (dy.rank() != x.rank() || dy.rank() < 2)
    throw OpError(fmt::format("dy {} and x {} differ in rank", to_string(dy), to_string(x)), {},
                  dy_input);
  if (x[1] % groups || dy[1] % groups)
    throw OpError(
        fmt::format("groups={} does not divide both {} and {} channels", groups, x[1], dy[1]),
        "groups");
  if (dy != transposed_output(ctx, x, dy[1]))
    throw OpError(fmt::format("dy {} is not the output shape of this transposed convolution of {}",
                              to_string(dy), to_string(x)),
                  {}, dy_input);
  return groups;
}

Shape weight_shape(const OpContext& ctx, const Shape& x, const Shape& dy, int64_t groups) {
  Shape w{x[1], dy[1] / groups};
  for (int64_t k : read_window(ctx.attrs, x).kernel) w.dims.push_back(k);
  return w;
}

OpDef grad_input_def() {
  OpDef def;
  def.name = "conv_transpose_grad_input";
  def.summary =
      "dx of conv_transpose2d: the convolution of dy with the weight; inputs dy, weight, x (x for "
      "its shape)";
  def.kind = PatternKind::Opaque;
  def.attrs = transposed_window_attrs();
  def.min_inputs = def.max_inputs = 3;
  def.infer = [](const OpContext& ctx) {
    const Shape &dy = ctx.input(0), &w = ctx.input(1), &x = ctx.input(2);
    const int64_t groups = check_output_grad(ctx, dy, x, 0);
    if (w != weight_shape(ctx, x, dy, groups))
      throw OpError(
          fmt::format("weight {} does not map {} channels to {} (expected {})", to_string(w), x[1],
                      dy[1], to_string(weight_shape(ctx, x, dy, groups))),
          {}, 1);
    return std::vector<Shape>{x};
  };
  def.macs = [](const OpContext& ctx, std::span<const Shape>) {
    return ctx.input(2).elements_per_item() * ctx.input(1).elements_per_item() / ctx.input(1)[0];
  };
  return def;
}

OpDef grad_weight_def() {
  OpDef def;
  def.name = "conv_transpose_grad_weight";
  def.summary =
      "dW of conv_transpose2d: the input correlated with dy over the batch; inputs dy, x; output "
      "[C, K/groups, kernel...]";
  def.kind = PatternKind::Opaque;
  def.attrs = transposed_window_attrs();
  def.min_inputs = def.max_inputs = 2;
  def.infer = [](const OpContext& ctx) {
    const Shape &dy = ctx.input(0), &x = ctx.input(1);
    const int64_t groups = check_output_grad(ctx, dy, x, 0);
    return std::vector<Shape>{weight_shape(ctx, x, dy, groups)};
  };
  def.macs = [](const OpContext& ctx, std::span<const Shape> outs) {
    return ctx.input(1).elements_per_item() * outs[0].elements_per_item() / outs[0][0];
  };
  return def;
}

}  // namespace

// Through the fused activation first (from the saved output), then
// dx = conv_transpose_grad_input(dz, W), dW = conv_transpose_grad_weight(dz,
// x), db = the sum of dz per channel.
std::vector<std::optional<TensorRef>> conv_transpose_gradient(GradientContext& ctx) {
  const TensorRef dz = ctx.through_fused_activation();
  const AttrMap window =
      ctx.forward_attrs({"kernel", "stride", "pad", "output_padding", "dilation", "groups"});
  std::vector<std::optional<TensorRef>> grads(ctx.inputs.size());
  if (ctx.needs(0))
    grads[0] =
        ctx.add("conv_transpose_grad_input", "input", {dz, ctx.inputs[1], ctx.inputs[0]}, window);
  if (ctx.needs(1))
    grads[1] = ctx.add("conv_transpose_grad_weight", "weight", {dz, ctx.inputs[0]}, window);
  if (ctx.inputs.size() > 2 && ctx.needs(2)) grads[2] = ctx.add("sum_to_channels", "bias", {dz});
  return grads;
}

void register_conv_transpose_grad_ops(OpRegistry& registry) {
  registry.add(grad_input_def());
  registry.add(grad_weight_def());
}

}  // namespace cnnc::ir
