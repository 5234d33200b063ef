// flatten: collapses the dims before `axis` into one and the dims from
// `axis` on into another, [N, C, H, W] -> [N, C*H*W] for axis=1. Pure data
// movement (0 MACs). The symbolic batch N cannot be multiplied into another
// dim, so with a symbolic batch only axis=1 is accepted.
#include <fmt/format.h>

#include "ir/gradient.h"
#include "ir/op_registry.h"
#include "ir/ops/axis.h"

namespace cnnc::ir {

void register_flatten_ops(OpRegistry& registry) {
  OpDef def;
  def.name = "flatten";
  def.summary = "collapses the dims before and from `axis` into two: [N, C, H, W] -> [N, C*H*W]";
  def.kind = PatternKind::Injective;
  def.attrs = {axis_attr(1, "first dim of the second part")};
  def.min_inputs = def.max_inputs = 1;
  def.infer = [](const OpContext& ctx) {
    const Shape& x = ctx.input(0);
    size_t axis = normalize_axis(ctx.attrs.get_int("axis"), x, "flatten", /*extra=*/true);
    if (x.has_symbolic_batch() && axis != 1)
      throw OpError(
          fmt::format("flatten axis={} would merge the batch dimension N of {} with other "
                      "dims; only axis=1 keeps it",
                      ctx.attrs.get_int("axis"), to_string(x)),
          "axis");
    int64_t outer = 1, inner = 1;
    for (size_t d = 0; d < x.rank(); ++d) (d < axis ? outer : inner) *= x[d];
    if (x.has_symbolic_batch()) outer = kBatch;
    return std::vector<Shape>{Shape{outer, inner}};
  };
  def.macs = [](const OpContext&, std::span<const Shape>) -> int64_t { return 0; };
  def.gradient = [](GradientContext& ctx) {
    return std::vector<std::optional<TensorRef>>{
        ctx.add("reshape_like", "input", {ctx.output_grad, ctx.inputs[0]})};
  };
  registry.add(std::move(def));
}

}  // namespace cnnc::ir
