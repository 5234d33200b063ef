// softmax_cross_entropy and mse_loss (one workgroup reduces the whole
// batch: a loss is one number) and their gradients (a row, or an element,
// per invocation).
#include "backends/vulkan/lowering.h"
#include "backends/vulkan/ops/push_words.h"

namespace cnnc::backends::vulkan {

namespace {

Dispatch softmax_cross_entropy(const ir::Node&, std::span<const ir::Shape> in, const ir::Shape&,
                               const KernelChoice&) {
  word(in[0].elements(), "elements");
  return {.shader = "softmax_cross_entropy",
          .bindings = 3,
          .push = {word(in[0][0], "batch"), word(in[0][1], "classes")},
          .invocations = kWorkgroup};
}

Dispatch softmax_cross_entropy_grad(const ir::Node&, std::span<const ir::Shape> in,
                                    const ir::Shape& out, const KernelChoice&) {
  word(out.elements(), "elements");
  return {.shader = "softmax_cross_entropy_grad",
          .bindings = 4,
          .push = {word(in[0][0], "batch"), word(in[0][1], "classes")},
          .invocations = grid_invocations(in[0][0])};
}

Dispatch mse_loss(const ir::Node&, std::span<const ir::Shape> in, const ir::Shape&,
                  const KernelChoice&) {
  return {.shader = "mse_loss",
          .bindings = 3,
          .push = {word(in[0].elements(), "elements")},
          .invocations = kWorkgroup};
}

Dispatch mse_loss_grad(const ir::Node&, std::span<const ir::Shape>, const ir::Shape& out,
                       const KernelChoice&) {
  return {.shader = "mse_loss_grad",
          .bindings = 4,
          .push = {word(out.elements(), "elements")},
          .invocations = grid_invocations(out.elements())};
}

}  // namespace

void register_loss_vulkan(LoweringTable& table) {
  table.add("softmax_cross_entropy", softmax_cross_entropy);
  table.add("softmax_cross_entropy_grad", softmax_cross_entropy_grad);
  table.add("mse_loss", mse_loss);
  table.add("mse_loss_grad", mse_loss_grad);
}

}  // namespace cnnc::backends::vulkan
