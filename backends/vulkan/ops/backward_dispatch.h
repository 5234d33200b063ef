// What the backward lowerings (conv_grad, pool_grad, dense_grad,
// activation_grad, reduction) share beyond push_words.h: the lanes of a
// cooperative sum (shaders/reduce_lanes.glsl) and a folded activation.
#pragma once

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <utility>

#include "backends/vulkan/lowering.h"
#include "backends/vulkan/ops/push_words.h"
#include "ir/attribute.h"
#include "ir/ops/window.h"
#include "ir/shape.h"

namespace cnnc::backends::vulkan::backward {

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
  word(outputs, "a reduction of");
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

}  // namespace cnnc::backends::vulkan::backward
