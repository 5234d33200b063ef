// activation_grad: not lowered yet (being written).
#include "backends/vulkan/lowering.h"

namespace cnnc::backends::vulkan {

void register_activation_grad_vulkan(LoweringTable&) {}

}  // namespace cnnc::backends::vulkan
