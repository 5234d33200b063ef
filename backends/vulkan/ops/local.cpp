// local2d (the locally connected layer: kernel, stride, padding begin and
// end, bias, act) and its gradients local_grad_input (gather form) and
// local_grad_weight, one output element per invocation each (local2d.comp,
// local_grad_input.comp, local_grad_weight.comp; push constants local.glsl).
#include "backends/vulkan/lowering.h"
#include "backends/vulkan/ops/window3.h"
#include "ir/ops/window.h"

namespace cnnc::backends::vulkan {

namespace {

// local.glsl's words for x -> y (or dy) of the node's window.
std::vector<uint32_t> local_push(const ir::Node& node, const ir::Shape& x, const ir::Shape& y,
                                 bool has_bias, uint32_t act, float alpha) {
  const ir::Window w = ir::read_window(node.attrs, x);
  return {word(x[0]),
          word(x[1]),
          word(y[1]),
          has_bias ? 1u : 0u,
          act,
          float_word(alpha),
          word(x[2]),
          word(x[3]),
          word(y[2]),
          word(y[3]),
          word(w.kernel[0]),
          word(w.kernel[1]),
          word(w.stride[0]),
          word(w.stride[1]),
          word(w.pad_begin[0]),
          word(w.pad_begin[1])};
}

Dispatch local2d(const ir::Node& node, std::span<const ir::Shape> in, const ir::Shape& out,
                 const KernelChoice&) {
  const auto [act, alpha] =
      activation_code(node.attrs.get_ident("act"), node.attrs.get_float("act_alpha"));
  return {.shader = "local2d",
          .bindings = 4,
          .push = local_push(node, in[0], out, in.size() > 2, act, alpha),
          .invocations = out.elements()};
}

// Inputs dy, weight, x (for its shape).
Dispatch grad_input(const ir::Node& node, std::span<const ir::Shape> in, const ir::Shape& out,
                    const KernelChoice&) {
  return {.shader = "local_grad_input",
          .bindings = 4,
          .push = local_push(node, in[2], in[0], false, 0, 0.0f),
          .invocations = out.elements()};
}

// Inputs dy, x.
Dispatch grad_weight(const ir::Node& node, std::span<const ir::Shape> in, const ir::Shape& out,
                     const KernelChoice&) {
  return {.shader = "local_grad_weight",
          .bindings = 3,
          .push = local_push(node, in[1], in[0], false, 0, 0.0f),
          .invocations = out.elements()};
}

}  // namespace

void register_local_vulkan(LoweringTable& table) {
  table.add("local2d", local2d);
  table.add("local_grad_input", grad_input);
  table.add("local_grad_weight", grad_weight);
}

}  // namespace cnnc::backends::vulkan
