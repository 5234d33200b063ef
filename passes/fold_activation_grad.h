// \file
// Folds a backward activation into the gradient feeding it: in
// conv(act=relu) -> maxpool, the backward graph computes pool_grad and then
// activation_grad(y, that), where y (the activation's output) is the
// pooling's input; likewise relu -> conv gives conv_grad_input (whose x is
// y) then activation_grad. pool_grad and conv_grad_input with the `act`
// attribute do both in one pass over the tensor (the product is the same
// float operation the separate op does, so results do not change). Runs on
// training graphs.
#pragma once

#include <cstddef>

#include "ir/graph.h"

namespace cnnc::passes {

// Returns how many activation_grad nodes were folded. They are left without
// readers, for dead-node elimination to remove; no node id changes.
size_t fold_activation_grads(ir::Graph& graph);

}  // namespace cnnc::passes
