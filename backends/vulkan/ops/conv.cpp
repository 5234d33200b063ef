// conv2d: the direct kernel (conv2d.comp), every window option of the IR.
#include <fmt/format.h>

#include <stdexcept>

#include "backends/vulkan/lowering.h"
#include "ir/ops/window.h"

namespace cnnc::backends::vulkan {

namespace {

uint32_t u32(int64_t v) {
  return static_cast<uint32_t>(v);
}

Dispatch conv2d(const ir::Node& node, std::span<const ir::Shape> in, const ir::Shape& out) {
  const ir::Shape &x = in[0], &w = in[1];
  const ir::Window win = ir::read_window(node.attrs, x);
  const auto [act, alpha] =
      activation_code(node.attrs.get_ident("act"), node.attrs.get_float("act_alpha"));
  return {
      .shader = "conv2d",
      .bindings = 4,
      .push = {u32(x[0]), u32(x[1]), u32(x[2]), u32(x[3]), u32(out[1]), u32(out[2]), u32(out[3]),
               u32(w[2]), u32(w[3]), u32(win.stride[0]), u32(win.stride[1]), u32(win.pad_begin[0]),
               u32(win.pad_begin[1]), u32(win.dilation[0]), u32(win.dilation[1]),
               u32(node.attrs.get_int("groups")), in.size() > 2 ? 1u : 0u, act, float_word(alpha)},
      .invocations = out.elements()};
}

}  // namespace

void register_conv_vulkan(LoweringTable& table) {
  table.add("conv2d", conv2d);
}

}  // namespace cnnc::backends::vulkan
