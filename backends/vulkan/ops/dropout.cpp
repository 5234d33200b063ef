// dropout (training and inference) and dropout_grad: not lowered yet (being written).
#include "backends/vulkan/lowering.h"

namespace cnnc::backends::vulkan {

void register_dropout_vulkan(LoweringTable&) {}

}  // namespace cnnc::backends::vulkan
