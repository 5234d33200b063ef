// conv_grad_input and conv_grad_weight of conv1d/2d/3d, every window option
// of the IR (stride, padding, dilation, groups) and a folded
// activation_grad on conv_grad_input: dx gathered per element
// (shaders/conv_grad_input.comp), dW as cooperative sums over the batch and
// output positions (shaders/conv_grad_weight.comp).
#include "backends/vulkan/lowering.h"
#include "backends/vulkan/ops/backward_dispatch.h"
#include "backends/vulkan/ops/window3.h"
#include "ir/ops/window.h"

namespace cnnc::backends::vulkan {

namespace {

// The words both shaders start with: batch, channels, input extents,
// filters, output extents, kernel, stride, leading padding, dilation, groups.
std::vector<uint32_t> conv_words(const ir::Node& node, const ir::Shape& x, const ir::Shape& dy) {
  const Window3 g = widen(ir::read_window(node.attrs, x), x, dy);
  std::vector<uint32_t> words{word(x[0]), word(x[1])};
  append(words, g.in);
  words.push_back(word(dy[1]));
  for (const auto& d : {g.out, g.kernel, g.stride, g.pad_begin, g.dilation}) append(words, d);
  words.push_back(word(node.attrs.get_int("groups")));
  return words;
}

// Inputs dy, weight, x.
Dispatch conv_grad_input(const ir::Node& node, std::span<const ir::Shape> in, const ir::Shape& out,
                         const KernelChoice&) {
  std::vector<uint32_t> push = conv_words(node, in[2], in[0]);
  const auto [act, alpha] = backward::folded_activation(node.attrs);
  push.push_back(act);
  push.push_back(float_word(alpha));
  return {.shader = "conv_grad_input",
          .bindings = 4,
          .push = std::move(push),
          .invocations = grid_invocations(out.elements())};
}

// Inputs dy, x; the output is the weight's shape.
Dispatch conv_grad_weight(const ir::Node& node, std::span<const ir::Shape> in, const ir::Shape& out,
                          const KernelChoice& choice) {
  const ir::Shape &dy = in[0], &x = in[1];
  if (choice.gemm && x.rank() == 4 && gemm_fits(*choice.gemm, dy.elements() / dy[1])) {
    // The GEMM of dy (output channels x pixels) with the input's windows
    // (pixels x taps); no bias, no activation.
    const int64_t groups = node.attrs.get_int("groups");
    return gemm_dispatch(2, conv2d_words(node, x, out, dy, false), *choice.gemm, dy[1] / groups,
                         out[1] * out[2] * out[3], groups);
  }
  std::vector<uint32_t> push = conv_words(node, x, dy);
  const int64_t terms = dy.elements() / dy[1];  // the batch times the output positions
  const uint32_t lanes = backward::reduction_lanes(terms);
  push.push_back(word(out.elements()));
  push.push_back(word(terms));
  push.push_back(lanes);
  return {.shader = "conv_grad_weight",
          .bindings = 3,
          .push = std::move(push),
          .invocations = backward::reduction_invocations(out.elements(), lanes)};
}

}  // namespace

void register_conv_grad_vulkan(LoweringTable& table) {
  table.add("conv_grad_input", conv_grad_input);
  table.add("conv_grad_weight", conv_grad_weight);
}

}  // namespace cnnc::backends::vulkan
