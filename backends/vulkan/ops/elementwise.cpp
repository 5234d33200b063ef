// The standalone activations, add and mul (two same-shape inputs:
// binary.comp; otherwise 2 to 8 inputs with numpy-style broadcasting:
// broadcast.comp), and flatten/reshape (a copy: the data are row-major in
// both shapes).
#include <fmt/format.h>

#include <stdexcept>
#include <vector>

#include "backends/vulkan/lowering.h"

namespace cnnc::backends::vulkan {

namespace {

uint32_t count_of(const ir::Shape& s) {
  return static_cast<uint32_t>(s.elements());
}

Lowering activation(const char* name) {
  return [name](const ir::Node& node, std::span<const ir::Shape>, const ir::Shape& out,
                const KernelChoice&) {
    const double alpha = node.attrs.has("alpha") ? node.attrs.get_float("alpha") : 0.0;
    const auto [code, a] = activation_code(name, alpha);
    return Dispatch{.shader = "activation",
                    .bindings = 2,
                    .push = {count_of(out), code, float_word(a)},
                    .invocations = out.elements()};
  };
}

// broadcast.comp's limits: its input bindings and the dims its push
// constants hold.
constexpr size_t kMaxInputs = 8, kMaxDims = 8;

// The output's dims with the extent-1 ones dropped and neighbours merged
// where every input has both or neither (their data are then contiguous
// across the two), each with the bit set of the inputs that have it.
Dispatch broadcast(const ir::Node& node, std::span<const ir::Shape> in, const ir::Shape& out) {
  if (in.size() > kMaxInputs)
    throw std::runtime_error(
        fmt::format("{} of {} inputs: the Vulkan backend takes at most {}; split the layer",
                    node.op, in.size(), kMaxInputs));
  std::vector<int64_t> dims;
  std::vector<uint32_t> present;  // bit j: input j has the dim
  for (size_t d = 0; d < out.rank(); ++d) {
    if (out[d] == 1) continue;
    uint32_t bits = 0;
    for (size_t j = 0; j < in.size(); ++j) {
      const size_t from_right = out.rank() - d;
      if (in[j].rank() >= from_right && in[j][in[j].rank() - from_right] != 1) bits |= 1u << j;
    }
    if (!present.empty() && present.back() == bits) {
      dims.back() *= out[d];
    } else {
      dims.push_back(out[d]);
      present.push_back(bits);
    }
  }
  if (dims.size() > kMaxDims)
    throw std::runtime_error(
        fmt::format("{} of {}: the broadcast needs {} dims, the Vulkan shader holds {}", node.op,
                    ir::to_string(out), dims.size(), kMaxDims));
  std::vector<uint32_t> push{count_of(out), node.op == "add" ? 0u : 1u,
                             static_cast<uint32_t>(in.size()), static_cast<uint32_t>(dims.size())};
  for (size_t d = 0; d < kMaxDims; ++d)
    push.push_back(d < dims.size() ? static_cast<uint32_t>(dims[d]) : 1u);
  for (size_t j = 0; j < kMaxInputs; ++j) {
    uint32_t mask = 0;  // bit d: input j has coalesced dim d
    for (size_t d = 0; j < in.size() && d < dims.size(); ++d)
      if (present[d] & (1u << j)) mask |= 1u << d;
    push.push_back(mask);
  }
  return {.shader = "broadcast",
          .bindings = kMaxInputs + 1,
          .push = std::move(push),
          .invocations = out.elements()};
}

Dispatch binary(const ir::Node& node, std::span<const ir::Shape> in, const ir::Shape& out,
                const KernelChoice&) {
  if (in.size() != 2 || in[0] != out || in[1] != out) return broadcast(node, in, out);
  return {.shader = "binary",
          .bindings = 3,
          .push = {count_of(out), node.op == "add" ? 0u : 1u},
          .invocations = out.elements()};
}

Dispatch copy(const ir::Node&, std::span<const ir::Shape>, const ir::Shape& out,
              const KernelChoice&) {
  return {.shader = "copy", .bindings = 2, .push = {count_of(out)}, .invocations = out.elements()};
}

}  // namespace

void register_elementwise_vulkan(LoweringTable& table) {
  for (const char* act : {"relu", "relu6", "leaky_relu", "tanh", "sigmoid", "elu"})
    table.add(act, activation(act));
  table.add("add", binary);
  table.add("mul", binary);
  table.add("flatten", copy);
  table.add("reshape", copy);
}

}  // namespace cnnc::backends::vulkan
