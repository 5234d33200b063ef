// The gradient of the locally connected layer and the backward ops it adds:
// local_grad_input (dx from dy and the position-dependent weights) and
// local_grad_weight (dW [OH, OW, K, C, R, S] from dy and the input); the
// bias [K, OH, OW] gets dy summed over the batch (sum_to_shape).
#include "ir/ops/local_grad.h"

#include <fmt/format.h>

#include "ir/op_registry.h"
#include "ir/ops/window.h"

namespace cnnc::ir {

namespace {

std::vector<AttrSpec> local_window_attrs() {
  return {kernel_attr(), stride_attr(false), int_pad_attr()};
}

// dy must be [N, K, OH, OW] for the forward of x; returns the weight shape.
Shape check_output_grad(const OpContext& ctx, const Shape& dy, const Shape& x) {
  require_rank(x, 4, "local2d gradient", " (N, C, H, W)");
  const Window w = read_window(ctx.attrs, x);
  const int64_t oh = w.output_size(0, x[2]), ow = w.output_size(1, x[3]);
  if (dy.rank() != 4 || dy[0] != x[0] || dy[2] != oh || dy[3] != ow)
    throw OpError(fmt::format("dy {} is not the output shape of this local2d of {}", to_string(dy),
                              to_string(x)),
                  {}, 0);
  return Shape{oh, ow, dy[1], x[1], w.kernel[0], w.kernel[1]};
}

OpDef grad_input_def() {
  OpDef def;
  def.name = "local_grad_input";
  def.summary = "dx of local2d: dy scattered through each position's weights; inputs dy, weight, x";
  def.kind = PatternKind::Opaque;
  def.attrs = local_window_attrs();
  def.min_inputs = def.max_inputs = 3;
  def.infer = [](const OpContext& ctx) {
    const Shape &dy = ctx.input(0), &w = ctx.input(1), &x = ctx.input(2);
    const Shape expected = check_output_grad(ctx, dy, x);
    if (w != expected)
      throw OpError(fmt::format("weight {} is not local2d's {}", to_string(w), to_string(expected)),
                    {}, 1);
    return std::vector<Shape>{x};
  };
  def.macs = [](const OpContext& ctx, std::span<const Shape>) {
    const Shape& w = ctx.input(1);
    return ctx.input(0).elements_per_item() * w[3] * w[4] * w[5];
  };
  return def;
}

OpDef grad_weight_def() {
  OpDef def;
  def.name = "local_grad_weight";
  def.summary =
      "dW of local2d: dy times the input window, summed over the batch; inputs dy, x; output [OH, "
      "OW, K, C, R, S]";
  def.kind = PatternKind::Opaque;
  def.attrs = local_window_attrs();
  def.min_inputs = def.max_inputs = 2;
  def.infer = [](const OpContext& ctx) {
    return std::vector<Shape>{check_output_grad(ctx, ctx.input(0), ctx.input(1))};
  };
  def.macs = [](const OpContext&, std::span<const Shape> outs) {
    return outs[0].elements_per_item();
  };
  return def;
}

}  // namespace

// Through the fused activation first (from the saved output), then
// dx = local_grad_input(dz, W), dW = local_grad_weight(dz, x), db = dz
// summed over the batch.
std::vector<std::optional<TensorRef>> local_gradient(GradientContext& ctx) {
  const TensorRef dz = ctx.through_fused_activation();
  const AttrMap window = ctx.forward_attrs({"kernel", "stride", "pad"});
  std::vector<std::optional<TensorRef>> grads(ctx.inputs.size());
  if (ctx.needs(0))
    grads[0] = ctx.add("local_grad_input", "input", {dz, ctx.inputs[1], ctx.inputs[0]}, window);
  if (ctx.needs(1)) grads[1] = ctx.add("local_grad_weight", "weight", {dz, ctx.inputs[0]}, window);
  if (ctx.inputs.size() > 2 && ctx.needs(2))
    grads[2] = ctx.add("sum_to_shape", "bias", {dz, ctx.inputs[2]});
  return grads;
}

void register_local_grad_ops(OpRegistry& registry) {
  registry.add(grad_input_def());
  registry.add(grad_weight_def());
}

}  // namespace cnnc::ir
