// Losses, the scalar a training graph minimizes: softmax_cross_entropy of
// logits [N, K] against class labels [N] (class indices stored as floats,
// the tensors' one dtype), and mse_loss of a prediction against a target of
// the same shape. Each is the mean over the batch (mse: over every element)
// and has shape [1]. Opaque to the fuser; 0 MACs.
#include <fmt/format.h>

#include "ir/gradient.h"
#include "ir/op_registry.h"

namespace cnnc::ir {

namespace {

OpDef loss_def(std::string name, std::string summary,
               std::function<void(const OpContext&)> check_inputs) {
  OpDef def;
  def.name = std::move(name);
  def.summary = std::move(summary);
  def.kind = PatternKind::Opaque;
  def.min_inputs = def.max_inputs = 2;
  def.infer = [check = std::move(check_inputs)](const OpContext& ctx) {
    check(ctx);
    return std::vector<Shape>{Shape{1}};
  };
  def.macs = [](const OpContext&, std::span<const Shape>) -> int64_t { return 0; };
  return def;
}

void check_cross_entropy(const OpContext& ctx) {
  const Shape& logits = ctx.input(0);
  const Shape& labels = ctx.input(1);
  if (logits.rank() != 2)
    throw OpError(fmt::format("logits must be [N, classes], got {}", to_string(logits)), {}, 0);
  if (labels.rank() != 1 || labels[0] != logits[0])
    throw OpError(fmt::format("labels must be [N] with the logits' N, got {} for logits {}",
                              to_string(labels), to_string(logits)),
                  {}, 1);
}

void check_mse(const OpContext& ctx) {
  if (ctx.input(0) != ctx.input(1))
    throw OpError(fmt::format("the target's shape {} differs from the prediction's {}",
                              to_string(ctx.input(1)), to_string(ctx.input(0))),
                  {}, 1);
}

}  // namespace

void register_loss_ops(OpRegistry& registry) {
  OpDef cross_entropy = loss_def("softmax_cross_entropy",
                                 "mean over the batch of -log softmax(logits)[label], computed "
                                 "stably; inputs: logits [N, K], labels [N] (class indices 0..K-1)",
                                 check_cross_entropy);
  cross_entropy.gradient = [](GradientContext& ctx) {
    return std::vector<std::optional<TensorRef>>{
        ctx.add("softmax_cross_entropy_grad", "logits",
                {ctx.inputs[0], ctx.inputs[1], ctx.output_grad}),
        std::nullopt};  // labels
  };
  registry.add(std::move(cross_entropy));
  OpDef mse = loss_def("mse_loss",
                       "mean squared error: mean of (prediction - target)^2 over every element; "
                       "inputs: prediction, target of the same shape",
                       check_mse);
  // Symmetric: the target's gradient is the prediction's with the roles swapped.
  mse.gradient = [](GradientContext& ctx) {
    std::vector<std::optional<TensorRef>> grads(2);
    for (size_t i = 0; i < 2; ++i)
      if (ctx.needs(i))
        grads[i] = ctx.add("mse_loss_grad", i == 0 ? "prediction" : "target",
                           {ctx.inputs[i], ctx.inputs[1 - i], ctx.output_grad});
    return grads;
  };
  registry.add(std::move(mse));
}

}  // namespace cnnc::ir
