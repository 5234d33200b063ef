// \file
// Constant folding: an op whose inputs are all parameters with values (a
// weight scaled by a constant, a reshaped constant) is computed once at
// compile time and replaced by a new Param node holding the result (role
// State, named after the op node), so it costs nothing at run time. The
// computing is done by `evaluate` (the runtime passes the reference
// kernels), since passes/ depends on no backend. Ops that own State
// parameters (batchnorm's running statistics, which training updates) are
// stateful and never folded; nor are ops with more than one output.
#pragma once

#include <cstddef>

#include "ir/graph.h"
#include "ir/op_registry.h"
#include "passes/pass.h"

namespace cnnc::passes {

// Needs shapes. Returns how many nodes were folded; the folded ops are
// removed (their inputs may become dead: run eliminate-dead-nodes after).
size_t fold_constants(ir::Graph& graph, const ir::OpRegistry& ops,
                      const ConstantEvaluator& evaluate);

}  // namespace cnnc::passes
