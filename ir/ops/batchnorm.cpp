// batchnorm: batch normalization in inference form, y = (x - running_mean) /
// sqrt(running_var + eps) * weight + bias per channel (axis 1), on inputs of
// any rank >= 2. With training=true (set by passes/training_graph.h) it
// normalizes with the batch's own statistics instead: the mean and biased
// variance over the batch and spatial axes of each channel, as PyTorch's
// BatchNorm in train mode. The running statistics are then updated by
// separate ops (batchnorm_running_mean/var, ir/ops/batchnorm_grad.cpp)
// whose outputs the trainer writes back, so this op keeps one output.
#include <fmt/format.h>

#include "ir/op_registry.h"
#include "ir/ops/batchnorm_grad.h"

namespace cnnc::ir {

namespace {

int64_t channels(const OpContext& ctx) {
  const Shape& x = ctx.input(0);
  if (x.rank() < 2)
    throw OpError(fmt::format("batchnorm expects a channel axis (N, C, ...), got {}", to_string(x)),
                  "", 0);
  return x[1];
}

std::optional<std::string> positive_number(const AttrValue& v) {
  if (std::get<double>(v) <= 0.0) return "must be greater than 0";
  return std::nullopt;
}

}  // namespace

void register_batchnorm_ops(OpRegistry& registry) {
  OpDef def;
  def.name = "batchnorm";
  def.summary =
      "batch normalization (inference: per-channel affine from running statistics; training: "
      "batch statistics)";
  // Broadcast, not Reduction: at inference the op is x * scale[c] + shift[c],
  // a per-channel broadcast, and declaring it so lets the fuser put it in a
  // conv's epilogue (conv -> batchnorm -> relu becomes one kernel). The
  // training form reduces over the batch; it only appears in training
  // graphs, which are not fused.
  def.kind = PatternKind::Broadcast;
  def.attrs = {{.name = "eps",
                .type = AttrType::Float,
                .default_value = 1e-5,
                .doc = "added to the variance before the square root",
                .check = positive_number},
               {.name = "momentum",
                .type = AttrType::Float,
                .default_value = 0.1,
                .doc = "weight of the new batch statistics in the running averages (training)",
                .check = [](const AttrValue& v) -> std::optional<std::string> {
                  double m = std::get<double>(v);
                  if (m < 0.0 || m > 1.0) return "must be between 0 and 1";
                  return std::nullopt;
                }},
               {.name = "training",
                .type = AttrType::Bool,
                .default_value = false,
                .doc = "normalize with the batch's statistics (the training graph sets it)"}};
  def.min_inputs = def.max_inputs = 1;
  def.params = [](const OpContext& ctx) {
    Shape s{channels(ctx)};
    int64_t c = s[0];
    return std::vector<ParamSpec>{{.suffix = "weight",
                                   .shape = s,
                                   .role = ParamRole::Trainable,
                                   .init = ParamInit::Ones,
                                   .fan_in = c,
                                   .fan_out = c},
                                  {.suffix = "bias",
                                   .shape = s,
                                   .role = ParamRole::Trainable,
                                   .init = ParamInit::Zeros,
                                   .fan_in = c,
                                   .fan_out = c},
                                  {.suffix = "running_mean",
                                   .shape = s,
                                   .role = ParamRole::State,
                                   .init = ParamInit::Zeros,
                                   .fan_in = c,
                                   .fan_out = c},
                                  {.suffix = "running_var",
                                   .shape = s,
                                   .role = ParamRole::State,
                                   .init = ParamInit::Ones,
                                   .fan_in = c,
                                   .fan_out = c}};
  };
  def.infer = [](const OpContext& ctx) {
    channels(ctx);
    return std::vector<Shape>{ctx.input(0)};
  };
  // One multiply-add per element once folded into scale and shift.
  def.macs = [](const OpContext&, std::span<const Shape> outs) {
    return outs[0].elements_per_item();
  };
  def.gradient = batchnorm_gradient;
  registry.add(std::move(def));
}

}  // namespace cnnc::ir
