#include "backends/vulkan/memory_plan.h"

#include <algorithm>
#include <numeric>
#include <stdexcept>

namespace cnnc::backends::vulkan {

namespace {

uint64_t align_up(uint64_t value, uint64_t alignment) {
  return (value + alignment - 1) / alignment * alignment;
}

}  // namespace

MemoryPlan plan_memory(std::span<const TensorLifetime> tensors, uint64_t alignment) {
  if (alignment == 0 || (alignment & (alignment - 1)) != 0)
    throw std::invalid_argument("the arena's alignment must be a power of two");
  std::vector<size_t> order(tensors.size());
  std::iota(order.begin(), order.end(), size_t{0});
  // Largest first; ties by first use, so the plan does not depend on the sort.
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return tensors[a].bytes > tensors[b].bytes; });
  MemoryPlan plan;
  plan.offsets.assign(tensors.size(), 0);
  std::vector<size_t> placed;
  for (size_t t : order) {
    const TensorLifetime& life = tensors[t];
    const uint64_t bytes = align_up(std::max<uint64_t>(life.bytes, 1), alignment);
    // The overlapping tensors already placed, by offset: the gaps between
    // them are the candidates, the lowest that fits wins.
    std::vector<size_t> busy;
    for (size_t other : placed)
      if (tensors[other].first <= life.last && life.first <= tensors[other].last)
        busy.push_back(other);
    std::sort(busy.begin(), busy.end(),
              [&](size_t a, size_t b) { return plan.offsets[a] < plan.offsets[b]; });
    uint64_t offset = 0;
    for (size_t other : busy) {
      if (plan.offsets[other] >= offset + bytes) break;
      offset = std::max(
          offset,
          align_up(plan.offsets[other] + std::max<uint64_t>(tensors[other].bytes, 1), alignment));
    }
    plan.offsets[t] = offset;
    plan.bytes = std::max(plan.bytes, offset + bytes);
    placed.push_back(t);
  }
  return plan;
}

}  // namespace cnnc::backends::vulkan
