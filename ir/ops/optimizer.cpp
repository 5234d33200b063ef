// Optimizer updates: what passes/training_graph.h appends after the
// backward pass, one set of nodes per trainable parameter. Each op computes
// one new tensor (a parameter or a piece of optimizer state) from the old
// ones, the gradient and the scalar hyperparameters that change during a
// run (learning rate, step count) given as [1] inputs. Semantics follow
// PyTorch's torch.optim.SGD, Adam and AdamW.
#include <fmt/format.h>

#include "ir/op_registry.h"

namespace cnnc::ir {

namespace {

AttrSpec float_attr(std::string name, double value, std::string doc) {
  return {.name = std::move(name),
          .type = AttrType::Float,
          .default_value = value,
          .doc = std::move(doc)};
}

// Inputs [0, tensors) share input 0's shape; inputs from `tensors` on are scalars [1].
OpDef update_def(std::string name, std::string summary, int tensors, int scalars,
                 std::vector<AttrSpec> attrs) {
  OpDef def;
  def.name = std::move(name);
  def.summary = std::move(summary);
  def.kind = PatternKind::Opaque;
  def.attrs = std::move(attrs);
  def.min_inputs = def.max_inputs = tensors + scalars;
  def.infer = [tensors](const OpContext& ctx) {
    for (size_t i = 1; i < ctx.num_data_inputs; ++i) {
      const Shape want = static_cast<int>(i) < tensors ? ctx.input(0) : Shape{1};
      if (ctx.input(i) != want)
        throw OpError(fmt::format("input {} has shape {}, expected {}", i, to_string(ctx.input(i)),
                                  to_string(want)),
                      {}, static_cast<int>(i));
    }
    return std::vector<Shape>{ctx.input(0)};
  };
  def.macs = [](const OpContext&, std::span<const Shape>) -> int64_t { return 0; };
  return def;
}

}  // namespace

void register_optimizer_ops(OpRegistry& registry) {
  registry.add(update_def(
      "sgd_velocity",
      "SGD momentum buffer: momentum * v + (grad + weight_decay * param); inputs v, grad, param", 3,
      0,
      {float_attr("momentum", 0.9, "momentum factor"),
       float_attr("weight_decay", 0.0, "L2 penalty added to the gradient")}));
  registry.add(update_def(
      "sgd_step",
      "SGD parameter update param - lr * d, d = g (no momentum), v, or g + momentum * v "
      "(Nesterov), g = grad + weight_decay * param; inputs param, grad, v (the new velocity; "
      "ignored without momentum), lr [1]",
      3, 1,
      {float_attr("momentum", 0.0, "momentum factor (0: plain SGD)"),
       float_attr("weight_decay", 0.0, "L2 penalty added to the gradient"),
       {.name = "nesterov",
        .type = AttrType::Bool,
        .default_value = false,
        .doc = "Nesterov momentum"}}));
  registry.add(update_def(
      "adam_moment",
      "Adam moment estimate: beta * m + (1 - beta) * g^power, g = grad + weight_decay * param; "
      "inputs m, grad, param",
      3, 0,
      {float_attr("beta", 0.9, "decay of the moment"),
       {.name = "power",
        .type = AttrType::Int,
        .default_value = int64_t{1},
        .doc = "1: the mean, 2: the uncentered variance",
        .check = [](const AttrValue& v) -> std::optional<std::string> {
          const int64_t p = std::get<int64_t>(v);
          if (p != 1 && p != 2) return "must be 1 or 2";
          return std::nullopt;
        }},
       float_attr("weight_decay", 0.0, "L2 penalty added to the gradient (Adam, not AdamW)")}));
  registry.add(update_def(
      "adam_step",
      "Adam/AdamW parameter update: param (1 - lr decoupled_weight_decay) - lr mhat / (sqrt(vhat) "
      "+ eps), with bias-corrected moments at step t; inputs param, m, v (the new moments), lr "
      "[1], t [1]",
      3, 2,
      {float_attr("beta1", 0.9, "decay of the first moment"),
       float_attr("beta2", 0.999, "decay of the second moment"),
       float_attr("eps", 1e-8, "added to the denominator"),
       float_attr("decoupled_weight_decay", 0.0, "AdamW's weight decay (0 for Adam)")}));
}

}  // namespace cnnc::ir
