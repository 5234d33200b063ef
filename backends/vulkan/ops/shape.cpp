// slice (a block copy per outer index) and reshape_like (a copy: the data
// are row-major in both shapes).
#include "backends/vulkan/lowering.h"
#include "backends/vulkan/ops/push_words.h"
#include "ir/ops/axis.h"

namespace cnnc::backends::vulkan {

namespace {

Dispatch slice(const ir::Node& node, std::span<const ir::Shape> in, const ir::Shape& out,
               const KernelChoice&) {
  const AxisView v(in[0], ir::normalize_axis(node.attrs.get_int("axis"), in[0], "slice"));
  const int64_t start = node.attrs.get_int("start"), length = node.attrs.get_int("length");
  word(in[0].elements(), "elements");
  return {.shader = "slice",
          .bindings = 2,
          .push = {word(out.elements(), "elements"), word(length * v.inner, "block"),
                   word(v.extent * v.inner, "stride"), word(start * v.inner, "offset")},
          .invocations = grid_invocations(out.elements())};
}

Dispatch reshape_like(const ir::Node&, std::span<const ir::Shape>, const ir::Shape& out,
                      const KernelChoice&) {
  return {.shader = "copy_first",
          .bindings = 3,
          .push = {word(out.elements(), "elements")},
          .invocations = grid_invocations(out.elements())};
}

}  // namespace

void register_shape_vulkan(LoweringTable& table) {
  table.add("slice", slice);
  table.add("reshape_like", reshape_like);
}

}  // namespace cnnc::backends::vulkan
