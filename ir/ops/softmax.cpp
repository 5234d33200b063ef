// softmax and log_softmax along one axis (default 1, the channels). A
// reduction for the fuser; 0 MACs (exp and divide are not multiply-adds).
#include "ir/gradient.h"
#include "ir/op_registry.h"
#include "ir/ops/axis.h"

namespace cnnc::ir {

namespace {

OpDef softmax_def(std::string name, std::string summary) {
  OpDef def;
  def.name = name;
  def.summary = std::move(summary);
  def.kind = PatternKind::Reduction;
  def.attrs = {axis_attr(1, "the axis whose entries form one distribution")};
  def.min_inputs = def.max_inputs = 1;
  def.infer = [name](const OpContext& ctx) {
    normalize_axis(ctx.attrs.get_int("axis"), ctx.input(0), name);
    return std::vector<Shape>{ctx.input(0)};
  };
  def.macs = [](const OpContext&, std::span<const Shape>) -> int64_t { return 0; };
  def.gradient = [](GradientContext& ctx) {
    AttrMap attrs;
    attrs.set("axis", ctx.forward().attrs.get_int("axis"));
    attrs.set("log", ctx.forward().op == "log_softmax");
    return std::vector<std::optional<TensorRef>>{
        ctx.add("softmax_grad", "input", {ctx.output, ctx.output_grad}, std::move(attrs))};
  };
  return def;
}

}  // namespace

void register_softmax_ops(OpRegistry& registry) {
  registry.add(
      softmax_def("softmax", "softmax along an axis: exp(x) / sum(exp(x)), computed stably"));
  registry.add(softmax_def("log_softmax", "logarithm of softmax along an axis, computed stably"));
}

}  // namespace cnnc::ir
