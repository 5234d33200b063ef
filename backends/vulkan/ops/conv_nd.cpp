// conv1d and conv3d: not lowered yet (being written).
#include "backends/vulkan/lowering.h"

namespace cnnc::backends::vulkan {

void register_conv_nd_vulkan(LoweringTable&) {}

}  // namespace cnnc::backends::vulkan
