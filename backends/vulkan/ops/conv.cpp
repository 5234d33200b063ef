// conv2d, every window option of the IR: register tiles of output channels
// (conv2d_tiled.comp), or one output per invocation (conv2d.comp).
#include <fmt/format.h>

#include <stdexcept>

#include "backends/vulkan/lowering.h"
#include "ir/ops/window.h"

namespace cnnc::backends::vulkan {

namespace {

uint32_t u32(int64_t v) {
  return static_cast<uint32_t>(v);
}

Dispatch conv2d(const ir::Node& node, std::span<const ir::Shape> in, const ir::Shape& out,
                const KernelChoice& choice) {
  const ir::Shape &x = in[0], &w = in[1];
  const ir::Window win = ir::read_window(node.attrs, x);
  const auto [act, alpha] =
      activation_code(node.attrs.get_ident("act"), node.attrs.get_float("act_alpha"));
  std::vector<uint32_t> push{u32(x[0]),
                             u32(x[1]),
                             u32(x[2]),
                             u32(x[3]),
                             u32(out[1]),
                             u32(out[2]),
                             u32(out[3]),
                             u32(w[2]),
                             u32(w[3]),
                             u32(win.stride[0]),
                             u32(win.stride[1]),
                             u32(win.pad_begin[0]),
                             u32(win.pad_begin[1]),
                             u32(win.dilation[0]),
                             u32(win.dilation[1]),
                             u32(node.attrs.get_int("groups")),
                             in.size() > 2 ? 1u : 0u,
                             act,
                             float_word(alpha)};
  const int64_t groups = node.attrs.get_int("groups");
  if (choice.gemm)  // rows: a group's output channels; columns: every output pixel
    return gemm_dispatch(0, std::move(push), *choice.gemm, out[1] / groups,
                         out[0] * out[2] * out[3], groups);
  // Tiled: one invocation per 8 output channels of a pixel (conv2d_tiled.comp).
  const int64_t tiles = (out[1] + 7) / 8;
  const bool direct = choice.direct_convolution;
  return {.shader = direct ? "conv2d" : "conv2d_tiled",
          .bindings = 4,
          .push = std::move(push),
          .invocations = direct ? out.elements() : out[0] * tiles * out[2] * out[3]};
}

}  // namespace

void register_conv_vulkan(LoweringTable& table) {
  table.add("conv2d", conv2d);
}

}  // namespace cnnc::backends::vulkan
