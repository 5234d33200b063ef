// Reverse-mode automatic differentiation over the IR: appends to a forward
// graph the nodes computing the gradient of a scalar loss with respect to
// every trainable parameter it depends on. Each op contributes through its
// OpDef::gradient rule (ir/gradient.h), in reverse topological order; a
// tensor read by several nodes gets the sum of their contributions (one
// `add` node). The seed d loss / d loss = 1 is a State parameter
// `<loss layer>.grad_seed`. Forward nodes are left as they are, so the
// backward reads their outputs (the activations a backend keeps alive).
#pragma once

#include <utility>
#include <vector>

#include "ir/graph.h"
#include "ir/op_registry.h"

namespace cnnc::passes {

struct ParamGradient {
  ir::NodeId param;
  ir::TensorRef gradient;  // the param's shape
};

// `loss` must have shape [1]. Returns the gradients in the order of
// Graph::param_nodes(); trainable params the loss does not depend on are
// left out. Throws std::invalid_argument naming the layer and op when an
// op between a parameter and the loss has no gradient rule or more than
// one output.
std::vector<ParamGradient> append_backward(ir::Graph& graph, const ir::OpRegistry& ops,
                                           ir::TensorRef loss);

}  // namespace cnnc::passes
