// The dispatch of conv_nd.comp, a convolution over 1 to 3 spatial axes,
// shared by conv1d/conv3d (conv_nd.cpp) and conv_transpose_grad_input,
// which is the ordinary convolution of dy (conv_transpose.cpp).
#pragma once

#include <cstdint>

#include "backends/vulkan/lowering.h"
#include "ir/ops/window.h"

namespace cnnc::backends::vulkan {

// x [N, C, spatial...] -> out [N, K, spatial...] with weight [K, C/groups,
// kernel...] at binding 1 and, if `has_bias`, bias [K] at binding 2.
Dispatch conv_nd_dispatch(const ir::Shape& x, const ir::Shape& out, const ir::Window& window,
                          int64_t groups, bool has_bias, uint32_t act, float alpha);

}  // namespace cnnc::backends::vulkan
