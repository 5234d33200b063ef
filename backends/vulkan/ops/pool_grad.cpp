// pool_grad of max, average and L2 pooling over 1-3 spatial axes (stride,
// padding, dilation, ceil_mode, count_include_pad) and of the global pools,
// with a folded activation_grad: dx gathered per element from the windows
// holding it (shaders/pool_grad.comp), or, for max pooling with one window
// per plane (the global max pool), one workgroup per plane finding the
// window's first maximum together (shaders/pool_grad_window.comp).
#include <algorithm>

#include "backends/vulkan/lowering.h"
#include "backends/vulkan/ops/backward_dispatch.h"
#include "backends/vulkan/ops/window3.h"
#include "ir/ops/window.h"

namespace cnnc::backends::vulkan {

namespace {

uint32_t pool_kind(const std::string& pool) {
  if (pool == "max") return 0;
  if (pool == "avg") return 1;
  return 2;  // l2, the last of the op's choices
}

// Inputs x, y (the forward's output), dy; the output is x's shape.
Dispatch pool_grad(const ir::Node& node, std::span<const ir::Shape> in, const ir::Shape& out,
                   const KernelChoice&) {
  const ir::Shape &x = in[0], &y = in[1];
  const Window3 g = widen(ir::read_window(node.attrs, x, /*default_stride=*/0), x, y);
  const uint32_t kind = pool_kind(node.attrs.get_ident("pool"));
  const auto [act, alpha] = backward::folded_activation(node.attrs);
  const int64_t planes = x[0] * x[1];
  const bool one_window = std::all_of(g.out.begin(), g.out.end(), [](int64_t o) { return o == 1; });
  if (kind == 0 && one_window) {
    // Finding a window's maximum again for each of its inputs would cost the
    // window's size squared: the global max pool's is the whole plane.
    std::vector<uint32_t> push{word(planes)};
    for (const auto& d : {g.in, g.kernel, g.pad_begin, g.dilation}) append(push, d);
    push.insert(push.end(), {act, float_word(alpha)});
    return {.shader = "pool_grad_window",
            .bindings = 4,
            .push = std::move(push),
            .invocations = std::min<int64_t>(planes, kMaxGroups) * int64_t{kWorkgroup}};
  }
  std::vector<uint32_t> push{word(planes)};
  for (const auto& d : {g.in, g.out, g.kernel, g.stride, g.pad_begin, g.pad_end, g.dilation})
    append(push, d);
  const bool include_pad =
      node.attrs.has("count_include_pad") && node.attrs.get_bool("count_include_pad");
  push.insert(push.end(), {kind, include_pad ? 1u : 0u, act, float_word(alpha)});
  return {.shader = "pool_grad",
          .bindings = 4,
          .push = std::move(push),
          .invocations = grid_invocations(out.elements())};
}

}  // namespace

void register_pool_grad_vulkan(LoweringTable& table) {
  table.add("pool_grad", pool_grad);
}

}  // namespace cnnc::backends::vulkan
