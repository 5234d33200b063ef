// batchnorm_grad_input and batchnorm_grad_weight (batchnorm_grad.comp) and
// the running statistics (batchnorm_running.comp): one workgroup per
// channel, which recomputes the channel's batch statistics rather than
// take them from another dispatch (one dispatch, one output).
#include "backends/vulkan/lowering.h"
#include "backends/vulkan/ops/push_words.h"

namespace cnnc::backends::vulkan {

namespace {

std::vector<uint32_t> channel_words(const ir::Shape& x) {
  const ChannelView v(x);
  word(x.elements(), "elements");
  return {word(v.batch, "batch"), word(v.channels, "channels"), word(v.plane, "plane")};
}

Lowering grad(bool weight) {
  return [weight](const ir::Node& node, std::span<const ir::Shape> in, const ir::Shape&,
                  const KernelChoice&) {
    const bool training = node.attrs.has("training") && node.attrs.get_bool("training");
    std::vector<uint32_t> push = channel_words(in[0]);
    push.push_back(float_word(static_cast<float>(node.attrs.get_float("eps"))));
    push.push_back((training ? 1u : 0u) | (weight ? 2u : 0u));
    return Dispatch{.shader = "batchnorm_grad",
                    .bindings = 5,
                    .push = std::move(push),
                    .invocations = channel_invocations(in[0][1])};
  };
}

Lowering running(bool variance) {
  return [variance](const ir::Node& node, std::span<const ir::Shape> in, const ir::Shape&,
                    const KernelChoice&) {
    const double momentum = node.attrs.get_float("momentum");
    std::vector<uint32_t> push = channel_words(in[0]);
    push.push_back(float_word(static_cast<float>(momentum)));
    push.push_back(float_word(static_cast<float>(1.0 - momentum)));
    push.push_back(variance ? 1u : 0u);
    return Dispatch{.shader = "batchnorm_running",
                    .bindings = 3,
                    .push = std::move(push),
                    .invocations = channel_invocations(in[0][1])};
  };
}

}  // namespace

void register_batchnorm_grad_vulkan(LoweringTable& table) {
  table.add("batchnorm_grad_input", grad(false));
  table.add("batchnorm_grad_weight", grad(true));
  table.add("batchnorm_running_mean", running(false));
  table.add("batchnorm_running_var", running(true));
}

}  // namespace cnnc::backends::vulkan
