// dense_grad_input and dense_grad_weight: not lowered yet (being written).
#include "backends/vulkan/lowering.h"

namespace cnnc::backends::vulkan {

void register_dense_grad_vulkan(LoweringTable&) {}

}  // namespace cnnc::backends::vulkan
