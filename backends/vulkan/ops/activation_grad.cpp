// activation_grad: dx = dy * act'(x) from the activation's output, for
// every activation the shaders share (shaders/activation_grad.comp).
#include "backends/vulkan/lowering.h"
#include "backends/vulkan/ops/backward_dispatch.h"

namespace cnnc::backends::vulkan {

namespace {

// Inputs y (the activation's output), dy.
Dispatch activation_grad(const ir::Node& node, std::span<const ir::Shape>, const ir::Shape& out,
                         const KernelChoice&) {
  const auto [act, alpha] = backward::folded_activation(node.attrs);
  return {.shader = "activation_grad",
          .bindings = 3,
          .push = {word(out.elements()), act, float_word(alpha)},
          .invocations = grid_invocations(out.elements())};
}

}  // namespace

void register_activation_grad_vulkan(LoweringTable& table) {
  table.add("activation_grad", activation_grad);
}

}  // namespace cnnc::backends::vulkan
