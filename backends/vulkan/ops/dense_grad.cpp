// dense_grad_input (one dx element per invocation,
// shaders/dense_grad_input.comp) and dense_grad_weight (sums over the
// batch shared by a power of two of invocations,
// shaders/dense_grad_weight.comp).
#include "backends/vulkan/lowering.h"
#include "backends/vulkan/ops/backward_dispatch.h"

namespace cnnc::backends::vulkan {

namespace {

// Inputs dy [N, U], W [U, F]; output [N, F].
Dispatch dense_grad_input(const ir::Node&, std::span<const ir::Shape> in, const ir::Shape& out,
                          const KernelChoice&) {
  return {.shader = "dense_grad_input",
          .bindings = 3,
          .push = {word(in[0][0]), word(in[0][1]), word(in[1][1])},
          .invocations = grid_invocations(out.elements())};
}

// Inputs dy [N, U], x [N, F]; output [U, F].
Dispatch dense_grad_weight(const ir::Node&, std::span<const ir::Shape> in, const ir::Shape& out,
                           const KernelChoice&) {
  const int64_t batch = in[0][0];
  const uint32_t lanes = backward::reduction_lanes(batch);
  return {.shader = "dense_grad_weight",
          .bindings = 3,
          .push = {word(in[0][1]), word(in[1][1]), word(out.elements()), word(batch), lanes},
          .invocations = backward::reduction_invocations(out.elements(), lanes)};
}

}  // namespace

void register_dense_grad_vulkan(LoweringTable& table) {
  table.add("dense_grad_input", dense_grad_input);
  table.add("dense_grad_weight", dense_grad_weight);
}

}  // namespace cnnc::backends::vulkan
