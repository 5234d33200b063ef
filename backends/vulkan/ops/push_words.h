// What the lowerings share: sizes as checked push-constant words, the
// invocations of shaders that step over their items (so a dispatch stays
// within the 65535 workgroups every device allows), the [outer, extent,
// inner] view of a tensor around one axis, and one workgroup per channel.
#pragma once

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string_view>

#include "backends/vulkan/lowering.h"
#include "ir/shape.h"

namespace cnnc::backends::vulkan {

// The least maxComputeWorkGroupCount[0] the Vulkan spec allows (lavapipe's).
inline constexpr int64_t kMaxGroups = 65535;

// The shaders index with 32-bit words, and a stepping shader's index plus
// a whole dispatch must not wrap: a larger tensor is refused here rather
// than wrapped around there.
inline uint32_t word(int64_t value, std::string_view what = "a size") {
  if (value < 0 || value > std::numeric_limits<int32_t>::max())
    throw std::runtime_error(fmt::format(
        "{} {} does not fit the Vulkan shaders' 32-bit indices; use a smaller batch", what, value));
  return static_cast<uint32_t>(value);
}

// One invocation per item up to kMaxGroups workgroups: the elementwise
// and per-row shaders step a whole dispatch apart over the rest.
inline int64_t grid_invocations(int64_t items) {
  word(items, "a tensor of");
  return std::min(items, kMaxGroups * int64_t{kWorkgroup});
}

// A tensor seen as [outer, extent, inner] around `axis`.
struct AxisView {
  int64_t outer = 1, extent = 1, inner = 1;
  AxisView(const ir::Shape& shape, size_t axis) : extent(shape[axis]) {
    for (size_t d = 0; d < axis; ++d) outer *= shape[d];
    for (size_t d = axis + 1; d < shape.rank(); ++d) inner *= shape[d];
  }
};

// One workgroup per channel.
inline int64_t channel_invocations(int64_t channels) {
  if (channels > kMaxGroups)
    throw std::runtime_error(
        fmt::format("{} channels: the Vulkan shaders take one workgroup per channel, at most {}",
                    channels, kMaxGroups));
  return channels * int64_t{kWorkgroup};
}

// A tensor [batch, channels, ...] as batch x channels planes.
struct ChannelView {
  int64_t batch, channels, plane;
  explicit ChannelView(const ir::Shape& x)
      : batch(x[0]), channels(x[1]), plane(x[0] * x[1] == 0 ? 0 : x.elements() / (x[0] * x[1])) {}
};

}  // namespace cnnc::backends::vulkan
