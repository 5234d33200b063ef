// softmax and log_softmax along any axis, and softmax_grad: the tensor seen
// as [outer, extent, inner], one invocation per (outer, inner) row.
#include "backends/vulkan/lowering.h"
#include "backends/vulkan/ops/push_words.h"
#include "ir/ops/axis.h"

namespace cnnc::backends::vulkan {

namespace {

Dispatch rows(const char* shader, uint32_t bindings, const ir::Shape& x, size_t axis, bool log) {
  const AxisView v(x, axis);
  word(x.elements(), "elements");
  return {.shader = shader,
          .bindings = bindings,
          .push = {word(v.outer * v.inner, "rows"), word(v.extent, "extent"),
                   word(v.inner, "inner"), log ? 1u : 0u},
          .invocations = grid_invocations(v.outer * v.inner)};
}

Dispatch softmax(const ir::Node& node, std::span<const ir::Shape> in, const ir::Shape&,
                 const KernelChoice&) {
  return rows("softmax", 2, in[0], ir::normalize_axis(node.attrs.get_int("axis"), in[0], node.op),
              node.op == "log_softmax");
}

Dispatch softmax_grad(const ir::Node& node, std::span<const ir::Shape> in, const ir::Shape&,
                      const KernelChoice&) {
  return rows("softmax_grad", 3, in[0],
              ir::normalize_axis(node.attrs.get_int("axis"), in[0], node.op),
              node.attrs.get_bool("log"));
}

}  // namespace

void register_softmax_vulkan(LoweringTable& table) {
  table.add("softmax", softmax);
  table.add("log_softmax", softmax);
  table.add("softmax_grad", softmax_grad);
}

}  // namespace cnnc::backends::vulkan
