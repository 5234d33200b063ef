// dropout_grad: dx = dy * mask / (1 - rate) with the mask of the forward
// dropout (ir/ops/dropout_mask.h), recomputed from its seed, the step
// counter and the forward layer's stream rather than stored.
#include "ir/ops/dropout_grad.h"

#include <fmt/format.h>

#include "ir/op_registry.h"
#include "ir/ops/dropout_mask.h"

namespace cnnc::ir {

std::vector<std::optional<TensorRef>> dropout_gradient(GradientContext& ctx) {
  const AttrMap forward = ctx.forward().attrs;  // add() may move the node
  const int64_t stream = dropout_mask::stream_of(ctx.forward().name);
  std::vector<std::optional<TensorRef>> grads(ctx.inputs.size());  // none for the step
  if (!ctx.needs(0)) return grads;
  if (!(forward.has("training") && forward.get_bool("training"))) {
    grads[0] = ctx.output_grad;
    return grads;
  }
  AttrMap attrs;
  attrs.set("rate", forward.get_float("rate"));
  attrs.set("seed", forward.get_int("seed"));
  attrs.set("stream", stream);
  grads[0] = ctx.add("dropout_grad", "input", {ctx.output_grad, ctx.inputs.at(1)}, attrs);
  return grads;
}

void register_dropout_grad_ops(OpRegistry& registry) {
  OpDef def;
  def.name = "dropout_grad";
  def.summary =
      "dx of dropout in training: dy * mask / (1 - rate), the forward's mask redrawn from (seed, "
      "step, stream); inputs dy, step [1]";
  def.kind = PatternKind::Opaque;
  def.attrs = {{.name = "rate",
                .type = AttrType::Float,
                .default_value = 0.5,
                .doc = "the forward's rate",
                .check = [](const AttrValue& v) -> std::optional<std::string> {
                  double r = std::get<double>(v);
                  if (!(r >= 0.0 && r < 1.0)) return fmt::format("must be in [0, 1), got {}", r);
                  return std::nullopt;
                }},
               {.name = "seed",
                .type = AttrType::Int,
                .default_value = int64_t{0},
                .doc = "the forward's seed"},
               {.name = "stream",
                .type = AttrType::Int,
                .default_value = int64_t{0},
                .doc = "the forward layer's stream (the hash of its name)"}};
  def.min_inputs = def.max_inputs = 2;
  def.infer = [](const OpContext& ctx) {
    if (ctx.input(1) != Shape{1})
      throw OpError(fmt::format("the step must have shape [1], got {}", to_string(ctx.input(1))),
                    {}, 1);
    return std::vector<Shape>{ctx.input(0)};
  };
  def.macs = [](const OpContext&, std::span<const Shape>) -> int64_t { return 0; };
  registry.add(std::move(def));
}

}  // namespace cnnc::ir
