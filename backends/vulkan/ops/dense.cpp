// dense: x [N, F], weight [U, F], optional bias [U], fused `act=`.
#include "backends/vulkan/lowering.h"

namespace cnnc::backends::vulkan {

namespace {

Dispatch dense(const ir::Node& node, std::span<const ir::Shape> in, const ir::Shape& out,
               const KernelChoice&) {
  const ir::Shape &x = in[0], &w = in[1];
  const auto [act, alpha] =
      activation_code(node.attrs.get_ident("act"), node.attrs.get_float("act_alpha"));
  return {.shader = "dense",
          .bindings = 4,
          .push = {static_cast<uint32_t>(x[0]), static_cast<uint32_t>(w[1]),
                   static_cast<uint32_t>(w[0]), in.size() > 2 ? 1u : 0u, act, float_word(alpha)},
          .invocations = out.elements()};
}

}  // namespace

void register_dense_vulkan(LoweringTable& table) {
  table.add("dense", dense);
}

}  // namespace cnnc::backends::vulkan
