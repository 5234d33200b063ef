// What a layer costs: multiply-accumulates and parameter elements per batch
// item, from OpDef::macs and the shapes in the graph. A `fused` node costs
// what its body costs, so `cnnc inspect` totals and profilers' GFLOP/s are
// the same before and after fusion.
#pragma once

#include <cstdint>

#include "ir/graph.h"
#include "ir/op_registry.h"

namespace cnnc::ir {

struct NodeCost {
  int64_t macs = 0;    // per batch item; 0 when the op has no `macs` or is unknown
  int64_t params = 0;  // trainable parameter elements it reads
  int64_t state = 0;   // state parameter elements (batchnorm running statistics)
};

// The cost of op node `id` (input and parameter nodes cost nothing).
NodeCost node_cost(const Graph& graph, NodeId id, const OpRegistry& ops);

// Bytes of every parameter value held by `graph`, fused bodies included.
int64_t parameter_bytes(const Graph& graph);

}  // namespace cnnc::ir
