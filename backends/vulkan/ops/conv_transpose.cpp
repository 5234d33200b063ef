// conv_transpose2d and its gradients: not lowered yet (being written).
#include "backends/vulkan/lowering.h"

namespace cnnc::backends::vulkan {

void register_conv_transpose_vulkan(LoweringTable&) {}

}  // namespace cnnc::backends::vulkan
