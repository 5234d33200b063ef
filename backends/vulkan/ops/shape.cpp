// slice and reshape_like: not lowered yet (being written).
#include "backends/vulkan/lowering.h"

namespace cnnc::backends::vulkan {

void register_shape_vulkan(LoweringTable&) {}

}  // namespace cnnc::backends::vulkan
