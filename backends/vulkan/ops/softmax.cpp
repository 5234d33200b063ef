// softmax and log_softmax along the last axis.
#include <fmt/format.h>

#include <stdexcept>

#include "backends/vulkan/lowering.h"
#include "ir/ops/axis.h"

namespace cnnc::backends::vulkan {

namespace {

Dispatch softmax(const ir::Node& node, std::span<const ir::Shape> in, const ir::Shape& out,
                 const KernelChoice&) {
  const size_t axis = ir::normalize_axis(node.attrs.get_int("axis"), in[0], node.op);
  if (axis + 1 != in[0].rank())
    throw std::runtime_error(
        fmt::format("{} along axis {} of {}: only the last axis is on the Vulkan backend yet",
                    node.op, axis, ir::to_string(in[0])));
  const int64_t cols = in[0][axis];
  return {.shader = "softmax",
          .bindings = 2,
          .push = {static_cast<uint32_t>(out.elements() / cols), static_cast<uint32_t>(cols),
                   node.op == "log_softmax" ? 1u : 0u},
          .invocations = out.elements() / cols};
}

}  // namespace

void register_softmax_vulkan(LoweringTable& table) {
  table.add("softmax", softmax);
  table.add("log_softmax", softmax);
}

}  // namespace cnnc::backends::vulkan
