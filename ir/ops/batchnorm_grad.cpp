// Backward and statistics ops of batchnorm:
//   batchnorm_grad_input   dx; training: with m = N * spatial, xhat the
//                          normalized input and g = weight / sqrt(var + eps),
//                          dx = g (dy - mean(dy) - xhat mean(dy xhat)) over
//                          each channel; inference: dx = g dy from the
//                          running variance
//   batchnorm_grad_weight  d weight = sum(dy xhat) per channel
//   batchnorm_running_mean (1 - momentum) running_mean + momentum mean(x)
//   batchnorm_running_var  (1 - momentum) running_var + momentum var(x), the
//                          unbiased variance (m / (m - 1) times the biased
//                          one the forward normalizes with), as PyTorch
// The bias's gradient is sum_to_channels(dy).
#include "ir/ops/batchnorm_grad.h"

#include <fmt/format.h>

#include "ir/op_registry.h"

namespace cnnc::ir {

namespace {

AttrSpec eps_attr() {
  return {.name = "eps", .type = AttrType::Float, .default_value = 1e-5, .doc = "as batchnorm's"};
}
AttrSpec training_attr() {
  return {.name = "training",
          .type = AttrType::Bool,
          .default_value = false,
          .doc = "the forward used batch statistics (else the running ones)"};
}
AttrSpec momentum_attr() {
  return {.name = "momentum",
          .type = AttrType::Float,
          .default_value = 0.1,
          .doc = "weight of the batch's statistic",
          .check = [](const AttrValue& v) -> std::optional<std::string> {
            double m = std::get<double>(v);
            if (m < 0.0 || m > 1.0) return "must be between 0 and 1";
            return std::nullopt;
          }};
}

int64_t channels_of(const Shape& x) {
  if (x.rank() < 2)
    throw OpError(fmt::format("x must have a channel axis (N, C, ...), got {}", to_string(x)), {},
                  0);
  return x[1];
}

// Inputs from `first` on must be per-channel vectors [C].
void check_vectors(const OpContext& ctx, size_t first, int64_t c) {
  for (size_t i = first; i < ctx.inputs.size(); ++i)
    if (ctx.input(i) != Shape{c})
      throw OpError(fmt::format("input {} must be [{}] (one value per channel), got {}", i, c,
                                to_string(ctx.input(i))),
                    {}, static_cast<int>(i));
}

enum class Reads { XAndDy, X };
enum class Gives { LikeX, PerChannel };

OpDef def_of(std::string name, std::string summary, int inputs, std::vector<AttrSpec> attrs,
             Reads reads, Gives gives) {
  OpDef def;
  def.name = std::move(name);
  def.summary = std::move(summary);
  def.kind = PatternKind::Opaque;
  def.attrs = std::move(attrs);
  def.min_inputs = def.max_inputs = inputs;
  // x [N, C, ...], then dy (as x) where the op reads one, then [C] vectors.
  def.infer = [has_dy = reads == Reads::XAndDy,
               per_channel_output = gives == Gives::PerChannel](const OpContext& ctx) {
    const Shape& x = ctx.input(0);
    const int64_t c = channels_of(x);
    if (has_dy && ctx.input(1) != x)
      throw OpError(fmt::format("dy {} differs from x {}", to_string(ctx.input(1)), to_string(x)),
                    {}, 1);
    check_vectors(ctx, has_dy ? 2 : 1, c);
    return std::vector<Shape>{per_channel_output ? Shape{c} : x};
  };
  def.macs = [](const OpContext& ctx, std::span<const Shape>) {
    return 2 * ctx.input(0).elements_per_item();
  };
  return def;
}

}  // namespace

std::vector<std::optional<TensorRef>> batchnorm_gradient(GradientContext& ctx) {
  const AttrMap forward = ctx.forward().attrs;  // add() may move the node
  AttrMap attrs;
  attrs.set("eps", forward.get_float("eps"));
  attrs.set("training", forward.has("training") && forward.get_bool("training"));
  const std::vector<TensorRef> in = ctx.inputs;  // x, weight, bias, running_mean, running_var
  std::vector<std::optional<TensorRef>> grads(in.size());
  if (in.size() != 5)
    throw std::logic_error(fmt::format("batchnorm '{}' has {} inputs, not x and its 4 parameters",
                                       ctx.forward().name, in.size()));
  const TensorRef dy = ctx.output_grad;
  if (ctx.needs(0))
    grads[0] = ctx.add("batchnorm_grad_input", "input", {in[0], dy, in[1], in[4]}, attrs);
  if (ctx.needs(1))
    grads[1] = ctx.add("batchnorm_grad_weight", "weight", {in[0], dy, in[3], in[4]}, attrs);
  if (ctx.needs(2)) grads[2] = ctx.add("sum_to_channels", "bias", {dy});
  return grads;
}

void register_batchnorm_grad_ops(OpRegistry& registry) {
  registry.add(def_of("batchnorm_grad_input",
                      "dx of batchnorm (through the batch statistics when training); inputs x, dy, "
                      "weight, running_var",
                      4, {eps_attr(), training_attr()}, Reads::XAndDy, Gives::LikeX));
  registry.add(def_of("batchnorm_grad_weight",
                      "d weight of batchnorm: sum of dy times the normalized x per channel; inputs "
                      "x, dy, running_mean, running_var",
                      4, {eps_attr(), training_attr()}, Reads::XAndDy, Gives::PerChannel));
  registry.add(def_of("batchnorm_running_mean",
                      "batchnorm's new running mean (1 - momentum) old + momentum mean(x) per "
                      "channel; inputs x, running_mean",
                      2, {momentum_attr()}, Reads::X, Gives::PerChannel));
  registry.add(def_of("batchnorm_running_var",
                      "batchnorm's new running variance (1 - momentum) old + momentum var(x) per "
                      "channel, var unbiased as PyTorch's; inputs x, running_var",
                      2, {momentum_attr()}, Reads::X, Gives::PerChannel));
}

}  // namespace cnnc::ir
