// The weight gradient of a convolution-like layer, shared by conv_grad_weight
// and conv_transpose_grad_weight: dW[k, c, taps...] = the sum over items and
// over the positions of `reduced` of reduced[n, k, pos] * windowed[n,
// group(k) * C/groups + c, pos * stride - pad + tap * dilation]. For a
// convolution `reduced` is dy and `windowed` x; for a transposed
// convolution the roles swap. Fixed-order sums (a fixed number of batch
// chunks), so runs repeat bit for bit. Implemented in conv_grad.cpp.
#pragma once

#include <Halide.h>

#include "backends/halide/lowering_table.h"
#include "ir/ops/window.h"
#include "ir/shape.h"

namespace cnnc::backends::halide {

struct WeightGradient {
  ir::Window window;  // of the windowed tensor's taps
  int groups = 1;
  Halide::Func reduced;  // [N, K, positions...]
  ir::Shape reduced_shape;
  Halide::Func windowed;  // [N, C, spatial...]
  ir::Shape windowed_shape;
};

// The Func of dW, of shape ctx.output_shape [K, C / groups, kernel...].
Halide::Func weight_gradient(const WeightGradient& g, LoweringContext& ctx);

}  // namespace cnnc::backends::halide
