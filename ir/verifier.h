// Structural checks of a graph, run after building and after every pass in
// debug pipelines: unique names, known ops, input ports 0..n-1 each fed once,
// input counts within the op's bounds, parameters with shapes, outputs
// present, no cycles, and recorded shapes equal to re-inferred ones.
#pragma once

#include <string>
#include <vector>

#include "ir/graph.h"
#include "ir/op_registry.h"

namespace cnnc::ir {

// Every problem found, each naming the node; empty when the graph is sound.
std::vector<std::string> verify(const Graph& graph, const OpRegistry& ops);

}  // namespace cnnc::ir
