// softmax_cross_entropy, mse_loss and their gradients: not lowered yet (being written).
#include "backends/vulkan/lowering.h"

namespace cnnc::backends::vulkan {

void register_loss_vulkan(LoweringTable&) {}

}  // namespace cnnc::backends::vulkan
