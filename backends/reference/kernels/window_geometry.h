// The reference kernels' window geometry: ir::Window3 (a window widened to
// three spatial axes) and pooling windows over it.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "backends/reference/kernel_table.h"
#include "ir/ops/window.h"
#include "ir/shape.h"

namespace cnnc::backends::reference {

using Geometry3 = ir::Window3;

inline Geometry3 geometry3(const ir::Window& w, const ir::Shape& in, const ir::Shape& out) {
  return ir::widen_to_3d(w, in, out);
}

// A pooling window at output position `o`, as PyTorch's pooling bounds it:
// per axis [start, end) in input coordinates, stepping by the dilation,
// clipped to the padded input; `padded_count` is the number of positions
// it covers there (average pooling's divisor with count_include_pad).
struct PoolWindow {
  Geometry3::Dims start, end;
  int64_t padded_count = 1;

  // Calls f(offset) with the offset within the input plane of every tap
  // inside the input, in row-major order; returns how many there were.
  template <typename F>
  int64_t for_each_input(const Geometry3& g, F f) const {
    int64_t count = 0;
    for (int64_t id = start[0]; id < end[0]; id += g.dilation[0]) {
      if (id < 0 || id >= g.in[0]) continue;
      for (int64_t ih = start[1]; ih < end[1]; ih += g.dilation[1]) {
        if (ih < 0 || ih >= g.in[1]) continue;
        for (int64_t iw = start[2]; iw < end[2]; iw += g.dilation[2]) {
          if (iw < 0 || iw >= g.in[2]) continue;
          f((id * g.in[1] + ih) * g.in[2] + iw);
          ++count;
        }
      }
    }
    return count;
  }
};

inline PoolWindow pool_window(const Geometry3& g, const Geometry3::Dims& o) {
  PoolWindow w;
  for (size_t a = 0; a < 3; ++a) {
    w.start[a] = o[a] * g.stride[a] - g.pad_begin[a];
    w.end[a] = std::min(w.start[a] + (g.kernel[a] - 1) * g.dilation[a] + 1, g.in[a] + g.pad_end[a]);
    w.padded_count *= w.end[a] - w.start[a];
  }
  return w;
}

// What a grouped convolution kernel (direct or transposed) reads from its
// arguments: input, weight, optional bias, output, the widened geometry and
// the channels per group on each side.
struct ConvOperands {
  const ir::Tensor& x;
  const ir::Tensor& w;
  const ir::Tensor* bias;
  ir::Tensor& y;
  Geometry3 g;
  int64_t batch, channels, filters;
  int64_t cg, kg;  // input and output channels per group
};

inline ConvOperands conv_operands(const KernelArgs& args) {
  const ir::Tensor& x = *args.inputs[0];
  ir::Tensor& y = args.outputs[0];
  const int64_t groups = args.node.attrs.get_int("groups");
  return {x,
          *args.inputs[1],
          args.inputs.size() > 2 ? args.inputs[2] : nullptr,
          y,
          geometry3(ir::read_window(args.node.attrs, x.shape()), x.shape(), y.shape()),
          x.shape()[0],
          x.shape()[1],
          y.shape()[1],
          x.shape()[1] / groups,
          y.shape()[1] / groups};
}

}  // namespace cnnc::backends::reference
