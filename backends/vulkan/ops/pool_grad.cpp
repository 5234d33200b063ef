// pool_grad of max/avg/l2 pooling and the global pools: not lowered yet (being written).
#include "backends/vulkan/lowering.h"

namespace cnnc::backends::vulkan {

void register_pool_grad_vulkan(LoweringTable&) {}

}  // namespace cnnc::backends::vulkan
