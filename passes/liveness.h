// \file Activation liveness: how long each intermediate tensor lives in a
// topological schedule, and the peak memory that implies. `cnnc inspect`
// prints the peak; the memory planner builds on the same intervals.
#pragma once

#include <cstdint>
#include <vector>

#include "ir/graph.h"

namespace cnnc::passes {

struct LiveInterval {
  ir::TensorRef tensor;
  size_t first_step = 0;  // index in the schedule where it is produced
  size_t last_step = 0;   // last index that reads it (outputs live to the end)
  int64_t bytes = 0;
};

// Intervals of model inputs and op outputs (not parameters), for `batch`.
std::vector<LiveInterval> activation_intervals(const ir::Graph& graph,
                                               const std::vector<ir::NodeId>& schedule,
                                               int64_t batch);

// The largest sum of bytes of tensors alive at one step, for a topological
// schedule, with no buffer reuse inside a step (inputs and output coexist).
int64_t peak_activation_bytes(const ir::Graph& graph, int64_t batch);

}  // namespace cnnc::passes
