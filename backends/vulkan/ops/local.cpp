// local2d and its gradients: not lowered yet (being written).
#include "backends/vulkan/lowering.h"

namespace cnnc::backends::vulkan {

void register_local_vulkan(LoweringTable&) {}

}  // namespace cnnc::backends::vulkan
