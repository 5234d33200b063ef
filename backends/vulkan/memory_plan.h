// Where each tensor of a run lives in one arena: tensors whose lifetimes
// (the steps from the one writing a tensor to the last one reading it)
// overlap never share bytes; the others reuse each other's space. Greedy by
// size, as TensorFlow Lite's arena planner: the largest tensor first, each
// at the lowest aligned offset clear of every overlapping tensor already
// placed. Knows nothing of Vulkan, so it is tested without a device.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace cnnc::backends::vulkan {

struct TensorLifetime {
  uint64_t bytes = 0;
  int64_t first = 0;  // the step writing it (-1: before the first step, e.g. inputs)
  int64_t last = 0;   // the last step reading it (inclusive)
};

struct MemoryPlan {
  std::vector<uint64_t> offsets;  // one per tensor, multiples of the alignment
  uint64_t bytes = 0;             // the arena's size
};

// `alignment`: a power of two (a storage binding's offset alignment).
MemoryPlan plan_memory(std::span<const TensorLifetime> tensors, uint64_t alignment);

}  // namespace cnnc::backends::vulkan
