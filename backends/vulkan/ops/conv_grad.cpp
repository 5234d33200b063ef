// conv_grad_input and conv_grad_weight of conv1d/2d/3d: not lowered yet (being written).
#include "backends/vulkan/lowering.h"

namespace cnnc::backends::vulkan {

void register_conv_grad_vulkan(LoweringTable&) {}

}  // namespace cnnc::backends::vulkan
