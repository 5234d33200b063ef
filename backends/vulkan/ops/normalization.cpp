// batchnorm: at inference an elementwise per-channel affine of the running
// statistics (batchnorm.comp); in training (training=true) the batch's own
// statistics, one workgroup per channel (batchnorm_train.comp).
#include <fmt/format.h>

#include <stdexcept>

#include "backends/vulkan/lowering.h"
#include "backends/vulkan/ops/push_words.h"

namespace cnnc::backends::vulkan {

namespace {

Dispatch batchnorm(const ir::Node& node, std::span<const ir::Shape> in, const ir::Shape& out,
                   const KernelChoice&) {
  if (in.size() != 5)
    throw std::runtime_error(
        fmt::format("batchnorm with {} inputs: expected x and its 4 parameters", in.size()));
  const ChannelView v(in[0]);
  const uint32_t eps = float_word(static_cast<float>(node.attrs.get_float("eps")));
  const uint32_t count = word(out.elements(), "elements");
  if (node.attrs.has("training") && node.attrs.get_bool("training"))
    return {
        .shader = "batchnorm_train",
        .bindings = 6,
        .push = {word(v.batch, "batch"), word(v.channels, "channels"), word(v.plane, "plane"), eps},
        .invocations = channel_invocations(v.channels)};
  return {.shader = "batchnorm",
          .bindings = 6,
          .push = {count, word(v.channels, "channels"), word(v.plane, "plane"), eps},
          .invocations = grid_invocations(out.elements())};
}

}  // namespace

void register_normalization_vulkan(LoweringTable& table) {
  table.add("batchnorm", batchnorm);
}

}  // namespace cnnc::backends::vulkan
