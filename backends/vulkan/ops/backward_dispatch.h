// What the backward lowerings (conv_grad, pool_grad, dense_grad,
// activation_grad, reduction) share: checked push-constant words, the
// invocation counts of shaders that step over their work (so a dispatch
// stays within the 65535 workgroups every device allows), the lanes of a
// cooperative sum (shaders/reduce_lanes.glsl), a folded activation, and a
// window widened to three spatial axes as the reference's geometry3.
#pragma once

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <utility>

#include "backends/vulkan/lowering.h"
#include "ir/attribute.h"
#include "ir/ops/window.h"
#include "ir/shape.h"

namespace cnnc::backends::vulkan::backward {

// The workgroup size vulkan_backend.cpp gives every pipeline.
inline constexpr int64_t kWorkgroup = 64;
// The least maxComputeWorkGroupCount[0] the Vulkan spec allows.
inline constexpr int64_t kMaxGroups = 65535;

// A size as a push-constant word; the shaders index with 32-bit integers.
inline uint32_t word(int64_t v) {
  if (v < 0 || v > std::numeric_limits<uint32_t>::max())
    throw std::runtime_error(fmt::format("{} does not fit the shaders' 32-bit indices", v));
  return static_cast<uint32_t>(v);
}

// One invocation per item, at most kMaxGroups workgroups; the shader steps
// over the rest.
inline int64_t stepping_invocations(int64_t items) {
  word(items);
  return std::min(items, kMaxGroups * kWorkgroup);
}

// Invocations sharing the sum of `terms` terms: a power of two from 1 (a
// short sum, where sharing would only add barriers) to a whole workgroup,
// about 16 terms each.
inline uint32_t reduction_lanes(int64_t terms) {
  uint32_t lanes = 1;
  while (lanes < kWorkgroup && lanes * 16 < terms) lanes *= 2;
  return lanes;
}

// A reduce_lanes.glsl dispatch of `outputs` sums of `lanes` lanes each.
inline int64_t reduction_invocations(int64_t outputs, uint32_t lanes) {
  word(outputs);
  const int64_t per_group = kWorkgroup / lanes;
  return std::clamp<int64_t>((outputs + per_group - 1) / per_group, 1, kMaxGroups) * kWorkgroup;
}

// The `act` / `act_alpha` of a folded activation_grad (activate_grad.glsl's
// code and alpha); absent is none.
inline std::pair<uint32_t, float> folded_activation(const ir::AttrMap& attrs) {
  if (!attrs.has("act")) return {0, 0.0f};
  return activation_code(attrs.get_ident("act"),
                         attrs.has("act_alpha") ? attrs.get_float("act_alpha") : 0.0);
}

// ir::Window over three spatial axes, right-aligned (a 1-D window runs
// along the last): a missing axis has extent 1, kernel 1, stride 1,
// dilation 1 and no padding.
struct Window3 {
  using Dims = std::array<int64_t, 3>;
  Dims in{1, 1, 1}, out{1, 1, 1}, kernel{1, 1, 1}, stride{1, 1, 1}, dilation{1, 1, 1};
  Dims pad_begin{0, 0, 0}, pad_end{0, 0, 0};

  // `in` and `out`: (N, C, spatial...) with 1 to 3 spatial axes.
  Window3(const ir::Window& w, const ir::Shape& in_shape, const ir::Shape& out_shape) {
    const size_t rank = w.rank();
    if (rank < 1 || rank > 3 || in_shape.rank() != rank + 2 || out_shape.rank() != rank + 2)
      throw std::runtime_error(fmt::format("a window of {} axes over {} -> {}", rank,
                                           ir::to_string(in_shape), ir::to_string(out_shape)));
    const size_t off = 3 - rank;
    for (size_t a = 0; a < rank; ++a) {
      in[off + a] = in_shape[a + 2];
      out[off + a] = out_shape[a + 2];
      kernel[off + a] = w.kernel[a];
      stride[off + a] = w.stride[a];
      dilation[off + a] = w.dilation[a];
      pad_begin[off + a] = w.pad_begin[a];
      pad_end[off + a] = w.pad_end[a];
    }
  }

  // Appends `d` to push constants, axis by axis.
  static void push(std::vector<uint32_t>& words, const Dims& d) {
    for (int64_t v : d) words.push_back(word(v));
  }
};

}  // namespace cnnc::backends::vulkan::backward
