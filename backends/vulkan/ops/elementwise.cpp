// The standalone activations, same-shape add and mul, and flatten/reshape
// (a copy: the data are row-major in both shapes).
#include <fmt/format.h>

#include <stdexcept>

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

Dispatch binary(const ir::Node& node, std::span<const ir::Shape> in, const ir::Shape& out,
                const KernelChoice&) {
  if (in.size() != 2 || in[0] != in[1] || in[0] != out)
    throw std::runtime_error(
        fmt::format("{} of {} and {}: broadcasting is not on the Vulkan backend yet", node.op,
                    ir::to_string(in[0]), ir::to_string(in.size() > 1 ? in[1] : in[0])));
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
