// The window of a 1-D, 2-D or 3-D layer widened to three spatial axes as
// push constants, so one shader serves every rank: the spatial axes are
// right-aligned (a 1-D layer runs along the last axis) and a missing axis
// has extent 1, kernel 1, stride 1, dilation 1 and no padding, as the
// reference's geometry3 (backends/reference/kernels/window_geometry.h).
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

struct Window3 {
  using Dims = std::array<int64_t, 3>;
  Dims in{1, 1, 1}, out{1, 1, 1}, kernel{1, 1, 1}, stride{1, 1, 1}, dilation{1, 1, 1};
  Dims pad_begin{0, 0, 0}, pad_end{0, 0, 0};

  int64_t in_size() const { return in[0] * in[1] * in[2]; }
  int64_t out_size() const { return out[0] * out[1] * out[2]; }
  int64_t taps() const { return kernel[0] * kernel[1] * kernel[2]; }
};

// `in` and `out` are (N, C, spatial...) with 1 to 3 spatial axes.
inline Window3 widen(const ir::Window& w, const ir::Shape& in, const ir::Shape& out) {
  const size_t rank = w.rank();
  if (in.rank() != rank + 2 || out.rank() != rank + 2 || rank < 1 || rank > 3)
    throw std::runtime_error(fmt::format("a window over {} spatial axes given {} -> {}", rank,
                                         ir::to_string(in), ir::to_string(out)));
  Window3 g;
  const size_t off = 3 - rank;
  for (size_t a = 0; a < rank; ++a) {
    g.in[off + a] = in[a + 2];
    g.out[off + a] = out[a + 2];
    g.kernel[off + a] = w.kernel[a];
    g.stride[off + a] = w.stride[a];
    g.dilation[off + a] = w.dilation[a];
    g.pad_begin[off + a] = w.pad_begin[a];
    g.pad_end[off + a] = w.pad_end[a];
  }
  return g;
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
