// dropout: zeroes a fraction `rate` of activations while training. At
// inference (training=false, the form a model file describes) it is the
// identity (the eliminate-dropout pass removes it), so it counts 0 MACs and
// has the input's shape. The training form (set by
// passes/training_graph.h) takes the step counter as a second input and
// keeps each element with probability 1 - rate, scaling it by 1 / (1 -
// rate); the mask is a pure function of (seed, step, layer name, element)
// (ir/ops/dropout_mask.h), so the backward redraws it.
#include <fmt/format.h>

#include "ir/op_registry.h"
#include "ir/ops/dropout_grad.h"
#include "ir/ops/window.h"

namespace cnnc::ir {

void register_dropout_ops(OpRegistry& registry) {
  OpDef def;
  def.name = "dropout";
  def.summary =
      "randomly zeroes a fraction of activations while training (input 2: the step [1]); identity "
      "at inference";
  def.kind = PatternKind::Elementwise;
  def.attrs = {{.name = "rate",
                .type = AttrType::Float,
                .default_value = 0.5,
                .doc = "probability of dropping each activation while training, in [0, 1)",
                .check = [](const AttrValue& v) -> std::optional<std::string> {
                  double r = std::get<double>(v);
                  if (!(r >= 0.0 && r < 1.0)) return fmt::format("must be in [0, 1), got {}", r);
                  return std::nullopt;
                }},
               {.name = "training",
                .type = AttrType::Bool,
                .default_value = false,
                .doc = "drop (the training graph sets it); false: the identity"},
               {.name = "seed",
                .type = AttrType::Int,
                .default_value = int64_t{0},
                .doc = "seed of the masks, which also depend on the step and the layer name",
                .check = check_non_negative}};
  def.min_inputs = 1;
  def.max_inputs = 2;
  def.infer = [](const OpContext& ctx) {
    const bool training = ctx.attrs.has("training") && ctx.attrs.get_bool("training");
    if (training && ctx.inputs.size() < 2)
      throw OpError(
          "dropout with training=true needs the step counter [1] as its second input (the "
          "training graph's train.step)",
          "training");
    if (ctx.inputs.size() > 1 && ctx.input(1) != Shape{1})
      throw OpError(
          fmt::format("the step counter must have shape [1], got {}", to_string(ctx.input(1))), {},
          1);
    return std::vector<Shape>{ctx.input(0)};
  };
  def.macs = [](const OpContext&, std::span<const Shape>) -> int64_t { return 0; };
  def.gradient = dropout_gradient;
  registry.add(std::move(def));
}

}  // namespace cnnc::ir
