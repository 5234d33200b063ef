// batchnorm at inference and dropout at inference (the identity).
#include <fmt/format.h>

#include <stdexcept>

#include "backends/vulkan/lowering.h"

namespace cnnc::backends::vulkan {

namespace {

bool training(const ir::Node& node) {
  return node.attrs.has("training") && node.attrs.get_bool("training");
}

Dispatch batchnorm(const ir::Node& node, std::span<const ir::Shape> in, const ir::Shape& out,
                   const KernelChoice&) {
  if (training(node) || in.size() != 5)
    throw std::runtime_error(
        "batchnorm in training (batch statistics) is not on the Vulkan backend yet");
  const int64_t channels = in[0][1], inner = out.elements() / (in[0][0] * channels);
  return {.shader = "batchnorm",
          .bindings = 6,
          .push = {static_cast<uint32_t>(out.elements()), static_cast<uint32_t>(channels),
                   static_cast<uint32_t>(inner),
                   float_word(static_cast<float>(node.attrs.get_float("eps")))},
          .invocations = out.elements()};
}

Dispatch dropout(const ir::Node& node, std::span<const ir::Shape>, const ir::Shape& out,
                 const KernelChoice&) {
  if (training(node))
    throw std::runtime_error("dropout in training (masks) is not on the Vulkan backend yet");
  return {.shader = "copy",
          .bindings = 2,
          .push = {static_cast<uint32_t>(out.elements())},
          .invocations = out.elements()};
}

}  // namespace

void register_normalization_vulkan(LoweringTable& table) {
  table.add("batchnorm", batchnorm);
  table.add("dropout", dropout);
}

}  // namespace cnnc::backends::vulkan
