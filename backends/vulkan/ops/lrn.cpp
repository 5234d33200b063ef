// lrn and lrn_grad: not lowered yet (being written).
#include "backends/vulkan/lowering.h"

namespace cnnc::backends::vulkan {

void register_lrn_vulkan(LoweringTable&) {}

}  // namespace cnnc::backends::vulkan
