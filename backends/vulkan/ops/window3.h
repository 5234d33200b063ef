// The window of a 1-D, 2-D or 3-D layer widened to three spatial axes
// (ir::Window3) as push constants, so one shader serves every rank.
#pragma once

#include <fmt/format.h>

#include <array>
#include <cstdint>
#include <stdexcept>
#include <vector>

#include "backends/vulkan/ops/push_words.h"
#include "ir/ops/window.h"
#include "ir/shape.h"

namespace cnnc::backends::vulkan {

using Window3 = ir::Window3;

inline Window3 widen(const ir::Window& w, const ir::Shape& in, const ir::Shape& out) {
  return ir::widen_to_3d(w, in, out);
}

inline void append(std::vector<uint32_t>& push, const Window3::Dims& dims) {
  for (int64_t d : dims) push.push_back(word(d));
}

// The 18 words every windowed shader's push block ends with, in the order
// of window.glsl's WINDOW_FIELDS (the end padding is implied by the output
// size, except for pooling, which pushes it itself).
inline void append_window(std::vector<uint32_t>& push, const Window3& g) {
  for (const auto* dims : {&g.in, &g.out, &g.kernel, &g.stride, &g.pad_begin, &g.dilation})
    append(push, *dims);
}

}  // namespace cnnc::backends::vulkan
