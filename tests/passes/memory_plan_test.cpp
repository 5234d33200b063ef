// The arena planner: tensors alive at the same step never overlap in bytes;
// tensors whose lifetimes are disjoint share them; offsets are aligned.
#include "passes/memory_plan.h"

#include <gtest/gtest.h>

#include <random>

namespace cnnc::passes {
namespace {

LiveInterval interval(int id, size_t first, size_t last, int64_t bytes) {
  return {.tensor = {static_cast<ir::NodeId>(id), 0},
          .first_step = first,
          .last_step = last,
          .bytes = bytes};
}

TEST(MemoryPlan, ChainReusesTheBytesOfDeadTensors) {
  // a -> b -> c -> d: a and c never live together, nor b and d.
  std::vector<LiveInterval> iv{interval(0, 0, 1, 1000), interval(1, 1, 2, 1000),
                               interval(2, 2, 3, 1000), interval(3, 3, 4, 1000)};
  MemoryPlan plan = plan_memory(iv, 64);
  EXPECT_EQ(plan.arena_bytes, 2 * 1024);
  EXPECT_EQ(plan.find({0, 0})->offset, plan.find({2, 0})->offset);
  EXPECT_NE(plan.find({0, 0})->offset, plan.find({1, 0})->offset);
}

TEST(MemoryPlan, RandomLifetimesNeverOverlapAndAreAligned) {
  std::mt19937 rng(4);
  for (int trial = 0; trial < 50; ++trial) {
    std::vector<LiveInterval> iv;
    int64_t total = 0;
    for (int i = 0; i < 30; ++i) {
      size_t first = rng() % 20, last = first + rng() % 6;
      int64_t bytes = 1 + rng() % 5000;
      iv.push_back(interval(i, first, last, bytes));
      total += (bytes + 63) / 64 * 64;
    }
    MemoryPlan plan = plan_memory(iv, 64, [](ir::TensorRef t) { return t.node % 7 != 0; });
    EXPECT_LE(plan.arena_bytes, total);
    for (const auto& a : plan.buffers) {
      EXPECT_NE(a.tensor.node % 7, 0u) << "a tensor outside the arena was placed";
      EXPECT_EQ(a.offset % 64, 0);
      EXPECT_LE(a.offset + a.bytes, plan.arena_bytes);
      for (const auto& b : plan.buffers) {
        if (a.tensor == b.tensor) continue;
        const auto& ia = iv[a.tensor.node];
        const auto& ib = iv[b.tensor.node];
        bool live_together = ia.first_step <= ib.last_step && ib.first_step <= ia.last_step;
        bool bytes_overlap = a.offset < b.offset + b.bytes && b.offset < a.offset + a.bytes;
        EXPECT_FALSE(live_together && bytes_overlap) << a.tensor.node << " and " << b.tensor.node;
      }
    }
  }
}

}  // namespace
}  // namespace cnnc::passes
