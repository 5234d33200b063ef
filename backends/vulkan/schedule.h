// `--schedule` for the Vulkan backend: which convolution and matrix kernels
// run, and their tile sizes (the autotuner's search space):
//   (empty)   the default: layers wide enough for a tile (32+ output
//             channels per group; dense: 32+ units at batch 16+) as
//             shared-memory GEMMs of 64x64x8:8x8, the others in register
//             tiles (measured on lavapipe, docs/vulkan.md; no GPU yet)
//   register  convolutions in 8-output-channel register tiles, dense naive
//   direct    convolutions one output per invocation (the baseline)
//   gemm[:TMxTNxTK[:RMxRN]]  every convolution (as an implicit GEMM) and
//             dense layer in shared-memory tiles of TM x TN outputs over
//             TK-deep slices, RM x RN per invocation (default 64x64x8:8x8)
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
