// `--schedule` for the Vulkan backend: which convolution and matrix kernels
// run, and their tile sizes (the autotuner's search space):
//   (empty)   the device's default: shared-memory GEMM tiles on a GPU,
//             8-channel register tiles on a CPU device such as lavapipe
//   register  convolutions in 8-output-channel register tiles, dense naive
//   direct    convolutions one output per invocation (the baseline)
//   gemm[:TMxTNxTK[:RMxRN]]  convolutions (implicit GEMM) and dense layers
//             in shared-memory tiles of TM x TN outputs over TK-deep slices,
//             RM x RN per invocation (default 64x64x16:4x4)
#pragma once

#include <string_view>

#include "backends/vulkan/device_info.h"
#include "backends/vulkan/lowering.h"

namespace cnnc::backends::vulkan {

// Throws std::invalid_argument for an unknown schedule, or tiles the
// device cannot run (workgroup too large, shared memory too small, a
// register block that does not divide its tile), saying why.
KernelChoice parse_schedule(std::string_view schedule, const DeviceInfo& device);

}  // namespace cnnc::backends::vulkan
