// \file
// Dead-node elimination: removes Op and Param nodes from which no graph
// output can be reached. Rewrites such as dropout elimination and constant
// folding leave such nodes behind (a folded constant's old inputs), and
// nothing should compute, allocate or load what nobody reads. Model inputs
// are kept even when unused: they are the model's calling convention.
#pragma once

#include <cstddef>

#include "ir/graph.h"

namespace cnnc::passes {

// Returns how many nodes were removed. Node ids are renumbered.
size_t eliminate_dead_nodes(ir::Graph& graph);

}  // namespace cnnc::passes
