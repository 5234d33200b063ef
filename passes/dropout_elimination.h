// \file
// Dropout elimination: at inference dropout is the identity, so every
// dropout node is replaced by its input (consumers and graph outputs are
// rewired). Part of inference pipelines only; training keeps dropout.
// Removing it also lets the fuser see conv -> relu chains dropout split.
#pragma once

#include <cstddef>

#include "ir/graph.h"

namespace cnnc::passes {

// Returns how many dropout nodes were removed. Node ids are renumbered.
size_t eliminate_dropout(ir::Graph& graph);

}  // namespace cnnc::passes
