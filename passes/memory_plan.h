// \file The memory plan: offsets in one arena for the intermediate
// activations of a topological schedule, so tensors whose lifetimes do not
// overlap share bytes. Greedy by size (TFLite's and ncnn's approach): the
// largest tensors are placed first, each at the lowest aligned offset free
// for its whole lifetime.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "passes/liveness.h"

namespace cnnc::passes {

struct BufferPlacement {
  ir::TensorRef tensor;
  int64_t offset = 0;
  int64_t bytes = 0;
};

struct MemoryPlan {
  std::vector<BufferPlacement> buffers;  // in the order of the intervals given
  int64_t arena_bytes = 0;

  // The placement of `t`, or nullptr when it is not in the arena.
  const BufferPlacement* find(ir::TensorRef t) const;
};

// Places every interval for which `in_arena` holds (all when it is empty).
MemoryPlan plan_memory(const std::vector<LiveInterval>& intervals, int64_t alignment,
                       const std::function<bool(ir::TensorRef)>& in_arena = {});

}  // namespace cnnc::passes
