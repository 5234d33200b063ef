// concat of up to 8 inputs along any axis but the batch (concat.comp).
#include <fmt/format.h>

#include <stdexcept>

#include "backends/vulkan/lowering.h"
#include "ir/ops/axis.h"

namespace cnnc::backends::vulkan {

namespace {

constexpr size_t kMostInputs = 8;

Dispatch concat(const ir::Node& node, std::span<const ir::Shape> in, const ir::Shape& out,
                const KernelChoice&) {
  if (in.size() > kMostInputs)
    throw std::runtime_error(fmt::format(
        "concat of {} inputs: the Vulkan backend joins at most {} yet", in.size(), kMostInputs));
  const size_t axis = ir::normalize_axis(node.attrs.get_int("axis"), out, "concat");
  int64_t inner = 1;
  for (size_t d = axis + 1; d < out.rank(); ++d) inner *= out[d];
  Dispatch d{.shader = "concat",
             .bindings = kMostInputs + 1,
             .push = {static_cast<uint32_t>(out.elements()), static_cast<uint32_t>(inner),
                      static_cast<uint32_t>(out[axis])},
             .invocations = out.elements()};
  for (size_t k = 0; k < kMostInputs; ++k)
    d.push.push_back(k < in.size() ? static_cast<uint32_t>(in[k][axis]) : 0u);
  return d;
}

}  // namespace

void register_concat_vulkan(LoweringTable& table) {
  table.add("concat", concat);
}

}  // namespace cnnc::backends::vulkan
