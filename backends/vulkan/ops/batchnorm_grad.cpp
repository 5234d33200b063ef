// batchnorm gradients and running statistics: not lowered yet (being written).
#include "backends/vulkan/lowering.h"

namespace cnnc::backends::vulkan {

void register_batchnorm_grad_vulkan(LoweringTable&) {}

}  // namespace cnnc::backends::vulkan
