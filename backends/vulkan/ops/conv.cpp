// conv2d, every window option of the IR: a shared-memory implicit GEMM
// (gemm_tiled.comp) where the layer is wide enough or --schedule gemm asks,
// register tiles of 8 output channels (conv2d_tiled.comp), or one output
// per invocation (conv2d.comp, --schedule direct).
#include <fmt/format.h>

#include <stdexcept>

#include "backends/vulkan/lowering.h"
#include "ir/ops/window.h"

namespace cnnc::backends::vulkan {

namespace {

uint32_t u32(int64_t v) {
  return static_cast<uint32_t>(v);
}

}  // namespace

std::vector<uint32_t> conv2d_words(const ir::Node& node, const ir::Shape& x, const ir::Shape& w,
                                   const ir::Shape& out, bool has_bias) {
  const ir::Window win = ir::read_window(node.attrs, x);
  // Gradient ops carry the window attributes but no activation.
  const auto [act, alpha] =
      node.attrs.has("act")
          ? activation_code(node.attrs.get_ident("act"), node.attrs.get_float("act_alpha"))
          : std::pair<uint32_t, float>{0u, 0.0f};
  return {u32(x[0]),
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
          has_bias ? 1u : 0u,
          act,
          float_word(alpha)};
}

namespace {

Dispatch conv2d(const ir::Node& node, std::span<const ir::Shape> in, const ir::Shape& out,
                const KernelChoice& choice) {
  std::vector<uint32_t> push = conv2d_words(node, in[0], in[1], out, in.size() > 2);
  const int64_t groups = node.attrs.get_int("groups");
  if (conv_as_gemm(choice, out[1] / groups, in[1][1] * in[1][2] * in[1][3]))
    // rows: a group's output channels; columns: every output pixel
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
