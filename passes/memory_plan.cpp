#include "passes/memory_plan.h"

#include <algorithm>
#include <numeric>

namespace cnnc::passes {

const BufferPlacement* MemoryPlan::find(ir::TensorRef t) const {
  for (const auto& b : buffers)
    if (b.tensor == t) return &b;
  return nullptr;
}

MemoryPlan plan_memory(const std::vector<LiveInterval>& intervals, int64_t alignment,
                       const std::function<bool(ir::TensorRef)>& in_arena) {
  std::vector<size_t> order;
  for (size_t i = 0; i < intervals.size(); ++i)
    if (!in_arena || in_arena(intervals[i].tensor)) order.push_back(i);
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return intervals[a].bytes > intervals[b].bytes; });
  auto aligned = [&](int64_t v) { return (v + alignment - 1) / alignment * alignment; };

  MemoryPlan plan;
  std::vector<std::pair<size_t, int64_t>> placed;  // interval index, offset
  for (size_t i : order) {
    const LiveInterval& cur = intervals[i];
    // Byte ranges taken, for the whole lifetime, by tensors placed so far.
    std::vector<std::pair<int64_t, int64_t>> taken;
    for (auto [j, offset] : placed) {
      const LiveInterval& other = intervals[j];
      if (other.first_step <= cur.last_step && cur.first_step <= other.last_step)
        taken.push_back({offset, offset + aligned(other.bytes)});
    }
    std::sort(taken.begin(), taken.end());
    int64_t offset = 0;
    for (auto [begin, end] : taken) {
      if (offset + cur.bytes <= begin) break;
      offset = std::max(offset, aligned(end));
    }
    placed.push_back({i, offset});
    plan.arena_bytes = std::max(plan.arena_bytes, aligned(offset + cur.bytes));
  }
  std::sort(placed.begin(), placed.end());
  for (auto [i, offset] : placed)
    plan.buffers.push_back({intervals[i].tensor, offset, intervals[i].bytes});
  return plan;
}

}  // namespace cnnc::passes
