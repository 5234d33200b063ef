// conv_transpose2d (conv_transpose.comp, gather form) and its gradients,
// all over 1 to 3 spatial axes with stride, padding begin and end,
// output_padding, dilation and groups: conv_transpose_grad_input is the
// ordinary convolution of dy with the same weight read as [C, K/groups,
// ...] (conv_nd.comp), conv_transpose_grad_weight one invocation per weight
// element (conv_transpose_grad_weight.comp). No invocation writes what
// another reads or writes.
#include "backends/vulkan/lowering.h"
#include "backends/vulkan/ops/conv_nd.h"
#include "backends/vulkan/ops/window3.h"
#include "ir/ops/window.h"

namespace cnnc::backends::vulkan {

namespace {

Dispatch conv_transpose(const ir::Node& node, std::span<const ir::Shape> in, const ir::Shape& out,
                        const KernelChoice&) {
  const ir::Shape& x = in[0];
  const auto [act, alpha] =
      activation_code(node.attrs.get_ident("act"), node.attrs.get_float("act_alpha"));
  std::vector<uint32_t> push{word(x[0]),
                             word(x[1]),
                             word(out[1]),
                             word(node.attrs.get_int("groups")),
                             in.size() > 2 ? 1u : 0u,
                             act,
                             float_word(alpha)};
  append_window(push, widen(ir::read_window(node.attrs, x), x, out));
  return {.shader = "conv_transpose",
          .bindings = 4,
          .push = std::move(push),
          .invocations = out.elements()};
}

// Inputs dy, weight, x (for its shape): dx is dy convolved with the weight.
Dispatch grad_input(const ir::Node& node, std::span<const ir::Shape> in, const ir::Shape& out,
                    const KernelChoice&) {
  return conv_nd_dispatch(in[0], out, ir::read_window(node.attrs, in[2]),
                          node.attrs.get_int("groups"), /*has_bias=*/false, 0, 0.0f);
}

// Inputs dy, x.
Dispatch grad_weight(const ir::Node& node, std::span<const ir::Shape> in, const ir::Shape& out,
                     const KernelChoice&) {
  const ir::Shape &dy = in[0], &x = in[1];
  std::vector<uint32_t> push{word(x[0]), word(x[1]), word(dy[1]),
                             word(node.attrs.get_int("groups"))};
  append_window(push, widen(ir::read_window(node.attrs, x), x, dy));
  return {.shader = "conv_transpose_grad_weight",
          .bindings = 3,
          .push = std::move(push),
          .invocations = out.elements()};
}

}  // namespace

void register_conv_transpose_vulkan(LoweringTable& table) {
  table.add("conv_transpose2d", conv_transpose);
  table.add("conv_transpose_grad_input", grad_input);
  table.add("conv_transpose_grad_weight", grad_weight);
}

}  // namespace cnnc::backends::vulkan
