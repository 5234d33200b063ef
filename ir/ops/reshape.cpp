// reshape: gives each batch item a new shape. `shape` excludes the batch
// dim, which is kept, so models stay batch-size independent; one entry may
// be -1 and is inferred from the element count. Pure data movement (0 MACs).
#include <fmt/format.h>

#include "ir/gradient.h"
#include "ir/op_registry.h"

namespace cnnc::ir {

namespace {

Shape reshaped(const Shape& x, const std::vector<int64_t>& target) {
  if (x.rank() < 1) throw OpError("reshape needs an input with a batch dimension, got []", "", 0);
  int64_t per_item = 1;
  for (size_t d = 1; d < x.rank(); ++d) per_item *= x[d];
  Shape out{x[0]};
  int64_t known = 1;
  std::optional<size_t> inferred;
  for (size_t i = 0; i < target.size(); ++i) {
    int64_t t = target[i];
    if (t == -1) {
      if (inferred)
        throw OpError(
            fmt::format("reshape shape={} has more than one -1", format_attr_value(target)),
            "shape");
      inferred = i + 1;
    } else if (t < 1) {
      throw OpError(fmt::format("reshape shape={}: dims must be positive or -1, got {}",
                                format_attr_value(target), t),
                    "shape");
    } else {
      known *= t;
    }
    out.dims.push_back(t);
  }
  auto mismatch = [&] {
    Shape wanted = out;
    return OpError(fmt::format("cannot reshape {} to {}: {} elements per batch item vs {}",
                               to_string(x), to_string(wanted), per_item, known),
                   "shape");
  };
  if (inferred) {
    if (per_item % known != 0) throw mismatch();
    out.dims[*inferred] = per_item / known;
  } else if (known != per_item) {
    throw mismatch();
  }
  return out;
}

}  // namespace

void register_reshape_ops(OpRegistry& registry) {
  OpDef def;
  def.name = "reshape";
  def.summary = "gives each batch item a new shape (the batch dim is kept; one entry may be -1)";
  def.kind = PatternKind::Injective;
  def.attrs = {{.name = "shape",
                .type = AttrType::Ints,
                .default_value = {},
                .doc = "the new shape without the batch dim; one entry may be -1 (inferred)"}};
  def.min_inputs = def.max_inputs = 1;
  def.infer = [](const OpContext& ctx) {
    return std::vector<Shape>{reshaped(ctx.input(0), ctx.attrs.get_ints("shape"))};
  };
  def.macs = [](const OpContext&, std::span<const Shape>) -> int64_t { return 0; };
  def.gradient = [](GradientContext& ctx) {
    return std::vector<std::optional<TensorRef>>{
        ctx.add("reshape_like", "input", {ctx.output_grad, ctx.inputs[0]})};
  };
  registry.add(std::move(def));
}

}  // namespace cnnc::ir
