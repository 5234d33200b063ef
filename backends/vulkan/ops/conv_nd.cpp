// conv1d and conv3d: one three-axis shader (conv_nd.comp) in register tiles
// of 8 output channels, with every window option of the IR (stride,
// padding, dilation, groups, bias, act). conv2d keeps its own lowering
// (conv.cpp).
#include "backends/vulkan/ops/conv_nd.h"

#include "backends/vulkan/ops/window3.h"

namespace cnnc::backends::vulkan {

Dispatch conv_nd_dispatch(const ir::Shape& x, const ir::Shape& out, const ir::Window& window,
                          int64_t groups, bool has_bias, uint32_t act, float alpha) {
  const Window3 g = widen(window, x, out);
  std::vector<uint32_t> push{word(x[0]),         word(x[1]), word(out[1]),     word(groups),
                             has_bias ? 1u : 0u, act,        float_word(alpha)};
  append_window(push, g);
  return {.shader = "conv_nd",
          .bindings = 4,
          .push = std::move(push),
          .invocations = out[0] * ((out[1] + 7) / 8) * g.out_size()};
}

namespace {

Dispatch conv_nd(const ir::Node& node, std::span<const ir::Shape> in, const ir::Shape& out,
                 const KernelChoice&) {
  const auto [act, alpha] =
      activation_code(node.attrs.get_ident("act"), node.attrs.get_float("act_alpha"));
  return conv_nd_dispatch(in[0], out, ir::read_window(node.attrs, in[0]),
                          node.attrs.get_int("groups"), in.size() > 2, act, alpha);
}

}  // namespace

void register_conv_nd_vulkan(LoweringTable& table) {
  table.add("conv1d", conv_nd);
  table.add("conv3d", conv_nd);
}

}  // namespace cnnc::backends::vulkan
