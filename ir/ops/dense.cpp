// dense: a fully connected layer, y = x W^T + b, on [N, F] inputs. Weight
// [units, F] as PyTorch's nn.Linear. Feature maps must be flattened first;
// doing it implicitly would hide a layout decision from the model file.
#include <fmt/format.h>

#include "ir/gradient.h"
#include "ir/op_registry.h"
#include "ir/ops/window.h"

namespace cnnc::ir {

namespace {

int64_t features(const OpContext& ctx) {
  const Shape& x = ctx.input(0);
  if (x.rank() != 2)
    throw OpError(
        fmt::format("dense expects a rank-2 input [N, features], got {}; insert `flatten` before "
                    "this layer",
                    to_string(x)),
        "", 0);
  return x[1];
}

}  // namespace

void register_dense_ops(OpRegistry& registry) {
  OpDef def;
  def.name = "dense";
  def.summary =
      "fully connected layer y = x W^T + b with optional activation, on [N, features] inputs";
  def.kind = PatternKind::OutputFusable;
  def.attrs = {positive_int_attr("units", "output features"),
               bias_attr("add a learned bias per output unit"), act_attr(), act_alpha_attr()};
  def.min_inputs = def.max_inputs = 1;
  def.params = [](const OpContext& ctx) {
    int64_t f = features(ctx), units = ctx.attrs.get_int("units");
    std::vector<ParamSpec> ps{{.suffix = "weight",
                               .shape = Shape{units, f},
                               .init = ParamInit::HeNormal,
                               .fan_in = f,
                               .fan_out = units}};
    if (ctx.attrs.get_bool("bias"))
      ps.push_back({.suffix = "bias",
                    .shape = Shape{units},
                    .init = ParamInit::Bias,
                    .fan_in = f,
                    .fan_out = units});
    return ps;
  };
  def.infer = [](const OpContext& ctx) {
    features(ctx);
    return std::vector<Shape>{Shape{ctx.input(0)[0], ctx.attrs.get_int("units")}};
  };
  def.macs = [](const OpContext& ctx, std::span<const Shape>) {
    return features(ctx) * ctx.attrs.get_int("units");
  };
  // Through the fused activation first (from the output), then
  // dx = dz W, dW = dz^T x, db = the sum of dz over the batch.
  def.gradient = [](GradientContext& ctx) {
    const TensorRef dz = ctx.through_fused_activation();
    std::vector<std::optional<TensorRef>> grads(ctx.inputs.size());
    if (ctx.needs(0)) grads[0] = ctx.add("dense_grad_input", "input", {dz, ctx.inputs[1]});
    if (ctx.needs(1)) grads[1] = ctx.add("dense_grad_weight", "weight", {dz, ctx.inputs[0]});
    if (ctx.inputs.size() > 2 && ctx.needs(2)) grads[2] = ctx.add("sum_to_channels", "bias", {dz});
    return grads;
  };
  registry.add(std::move(def));
}

}  // namespace cnnc::ir
