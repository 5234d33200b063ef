// the SGD and Adam updates: not lowered yet (being written).
#include "backends/vulkan/lowering.h"

namespace cnnc::backends::vulkan {

void register_optimizer_vulkan(LoweringTable&) {}

}  // namespace cnnc::backends::vulkan
