// concat: joins its inputs along `axis` (default 1, the channels), as an
// inception block or a dense block does. Every other dim must match. Pure
// data movement (0 MACs).
#include <fmt/format.h>

#include "ir/gradient.h"
#include "ir/op_registry.h"
#include "ir/ops/axis.h"

namespace cnnc::ir {

namespace {

Shape concatenated(const OpContext& ctx) {
  auto ins = ctx.data_inputs();
  const Shape& first = ins[0];
  size_t axis = normalize_axis(ctx.attrs.get_int("axis"), first, "concat");
  if (first[axis] == kBatch && ins.size() > 1)
    throw OpError(fmt::format("concat axis={} is the batch dimension N of {}; concatenate along "
                              "another axis",
                              ctx.attrs.get_int("axis"), to_string(first)),
                  "axis");
  Shape out = first;
  for (size_t i = 1; i < ins.size(); ++i) {
    const Shape& s = ins[i];
    bool same = s.rank() == first.rank();
    for (size_t d = 0; same && d < s.rank(); ++d)
      if (d != axis && s[d] != first[d]) same = false;
    if (!same)
      throw OpError(fmt::format("concat input {} has shape {}, which does not match input 0's {} "
                                "outside axis {}",
                                i, to_string(s), to_string(first), axis),
                    "", static_cast<int>(i));
    out[axis] += s[axis];
  }
  return out;
}

}  // namespace

void register_concat_ops(OpRegistry& registry) {
  OpDef def;
  def.name = "concat";
  def.summary = "joins its inputs along an axis (default: channels); other dims must match";
  def.kind = PatternKind::Injective;
  def.attrs = {axis_attr(1, "the axis to join along")};
  def.min_inputs = 1;
  def.max_inputs = -1;
  def.infer = [](const OpContext& ctx) { return std::vector<Shape>{concatenated(ctx)}; };
  def.macs = [](const OpContext&, std::span<const Shape>) -> int64_t { return 0; };
  // Each input's gradient is its slice of the output's.
  def.gradient = [](GradientContext& ctx) {
    const Shape out = ctx.graph.shape_of(ctx.output);
    const size_t axis = normalize_axis(ctx.forward().attrs.get_int("axis"), out, "concat");
    std::vector<std::optional<TensorRef>> grads;
    int64_t start = 0;
    for (size_t i = 0; i < ctx.inputs.size(); ++i) {
      const int64_t length = ctx.graph.shape_of(ctx.inputs[i])[axis];
      if (!ctx.needs(i)) {
        grads.push_back(std::nullopt);
        start += length;
        continue;
      }
      AttrMap attrs;
      attrs.set("axis", static_cast<int64_t>(axis));
      attrs.set("start", start);
      attrs.set("length", length);
      grads.push_back(ctx.add("slice", fmt::format("input{}", i), {ctx.output_grad}, attrs));
      start += length;
    }
    return grads;
  };
  registry.add(std::move(def));
}

}  // namespace cnnc::ir
