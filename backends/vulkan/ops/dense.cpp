// dense: x [N, F], weight [U, F], optional bias [U], fused `act=`: one
// output per invocation, or the shared-memory GEMM (KernelChoice::gemm).
#include "backends/vulkan/lowering.h"

namespace cnnc::backends::vulkan {

namespace {

Dispatch dense(const ir::Node& node, std::span<const ir::Shape> in, const ir::Shape& out,
               const KernelChoice& choice) {
  const ir::Shape &x = in[0], &w = in[1];
  const auto [act, alpha] =
      activation_code(node.attrs.get_ident("act"), node.attrs.get_float("act_alpha"));
  if (choice.gemm &&
      (choice.gemm_everywhere ||
       (w[0] >= 32 &&
        x[0] >= 16))) {  // rows: units, columns: the batch; n, features, units in the conv slots
    const auto u = [](int64_t v) { return static_cast<uint32_t>(v); };
    std::vector<uint32_t> push(19, 0u);
    push[0] = u(x[0]), push[1] = u(w[1]), push[4] = u(w[0]);
    push[15] = 1, push[16] = in.size() > 2 ? 1u : 0u, push[17] = act, push[18] = float_word(alpha);
    return gemm_dispatch(1, std::move(push), *choice.gemm, w[0], x[0], 1);
  }
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
