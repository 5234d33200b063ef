// sum_to_channels and sum_to_shape: one shader (shaders/sum_reduce.comp)
// summing the axes of x the output lacks or broadcast (extent 1 there),
// each output's terms shared by a power of two of invocations.
#include <fmt/format.h>

#include <stdexcept>

#include "backends/vulkan/lowering.h"
#include "backends/vulkan/ops/backward_dispatch.h"

namespace cnnc::backends::vulkan {

namespace {

constexpr size_t kMaxAxes = 8;  // sum_reduce.comp's push constants

// x's axes, each kept (an axis of the output) or summed: neighbours of one
// kind merge and extents of 1 drop, which leaves the sum unchanged.
Dispatch sum_axes(const ir::Shape& x, const std::vector<bool>& kept, int64_t outputs) {
  std::vector<int64_t> extent;
  std::vector<bool> kind;
  for (size_t d = 0; d < x.rank(); ++d) {
    if (x[d] == 1) continue;
    if (!kind.empty() && kind.back() == kept[d])
      extent.back() *= x[d];
    else
      extent.push_back(x[d]), kind.push_back(kept[d]);
  }
  if (extent.size() > kMaxAxes)
    throw std::runtime_error(
        fmt::format("summing {} alternates kept and summed axes {} times; the shader takes {}",
                    ir::to_string(x), extent.size(), kMaxAxes));
  std::vector<uint32_t> push{word(static_cast<int64_t>(extent.size()))};
  uint32_t mask = 0;
  for (size_t a = 0; a < kMaxAxes; ++a) {
    push.push_back(a < extent.size() ? word(extent[a]) : 1u);
    if (a < extent.size() && kind[a]) mask |= 1u << a;
  }
  const int64_t terms = outputs == 0 ? 0 : x.elements() / outputs;
  const uint32_t lanes = backward::reduction_lanes(terms);
  push.insert(push.end(), {mask, word(outputs), word(terms), lanes});
  // Binding 1: sum_to_shape's `like`, or a placeholder for sum_to_channels.
  return {.shader = "sum_reduce",
          .bindings = 3,
          .push = std::move(push),
          .invocations = backward::reduction_invocations(outputs, lanes)};
}

// [N, C, ...] -> [C].
Dispatch sum_to_channels(const ir::Node&, std::span<const ir::Shape> in, const ir::Shape& out,
                         const KernelChoice&) {
  std::vector<bool> kept(in[0].rank(), false);
  kept[1] = true;
  return sum_axes(in[0], kept, out.elements());
}

// x to the shape of `like` (numpy broadcasting, right-aligned).
Dispatch sum_to_shape(const ir::Node&, std::span<const ir::Shape> in, const ir::Shape& out,
                      const KernelChoice&) {
  const ir::Shape& x = in[0];
  std::vector<bool> kept(x.rank(), false);
  for (size_t k = 0; k < out.rank(); ++k) kept[x.rank() - 1 - k] = out[out.rank() - 1 - k] != 1;
  return sum_axes(x, kept, out.elements());
}

}  // namespace

void register_reduction_vulkan(LoweringTable& table) {
  table.add("sum_to_channels", sum_to_channels);
  table.add("sum_to_shape", sum_to_shape);
}

}  // namespace cnnc::backends::vulkan
