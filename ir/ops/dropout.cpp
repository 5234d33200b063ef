// dropout: zeroes a fraction `rate` of activations while training. At
// inference it is the identity (the eliminate-dropout pass removes it), so
// it counts 0 MACs and has the input's shape.
#include <fmt/format.h>

#include "ir/op_registry.h"

namespace cnnc::ir {

void register_dropout_ops(OpRegistry& registry) {
  OpDef def;
  def.name = "dropout";
  def.summary = "randomly zeroes a fraction of activations while training; identity at inference";
  def.kind = PatternKind::Elementwise;
  def.attrs = {{.name = "rate",
                .type = AttrType::Float,
                .default_value = 0.5,
                .doc = "probability of dropping each activation while training, in [0, 1)",
                .check = [](const AttrValue& v) -> std::optional<std::string> {
                  double r = std::get<double>(v);
                  if (!(r >= 0.0 && r < 1.0)) return fmt::format("must be in [0, 1), got {}", r);
                  return std::nullopt;
                }}};
  def.min_inputs = def.max_inputs = 1;
  def.infer = [](const OpContext& ctx) { return std::vector<Shape>{ctx.input(0)}; };
  def.macs = [](const OpContext&, std::span<const Shape>) -> int64_t { return 0; };
  registry.add(std::move(def));
}

}  // namespace cnnc::ir
