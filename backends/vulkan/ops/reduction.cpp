// sum_to_channels and sum_to_shape: not lowered yet (being written).
#include "backends/vulkan/lowering.h"

namespace cnnc::backends::vulkan {

void register_reduction_vulkan(LoweringTable&) {}

}  // namespace cnnc::backends::vulkan
