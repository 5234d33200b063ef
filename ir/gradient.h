// What a gradient rule (OpDef::gradient) sees and uses: the graph being
// extended with the backward pass, the forward node, its input and output
// tensors, and the gradient of the loss with respect to that output. The
// rule adds ordinary op nodes through `add` and returns the gradient of
// each input (passes/autodiff.h sums the contributions of several readers).
#pragma once

#include <initializer_list>
#include <string_view>
#include <vector>

#include "ir/graph.h"
#include "ir/op_registry.h"

namespace cnnc::ir {

struct GradientContext {
  Graph& graph;
  const OpRegistry& ops;
  NodeId node;                    // the forward node
  std::vector<TensorRef> inputs;  // its inputs, by port
  TensorRef output;               // its output (port 0)
  TensorRef output_grad;          // d loss / d output, the output's shape
  // Which inputs need a gradient (they depend on a trainable parameter);
  // a rule may skip the others (return nullopt) to save work. Empty: all.
  std::vector<bool> wanted;

  bool needs(size_t port) const { return wanted.empty() || wanted.at(port); }

  const Node& forward() const { return graph.node(node); }
  // Adds `op` reading `args` (all data inputs), named
  // `<forward layer>.grad.<suffix>`, with the op's attribute defaults
  // filled in and its output shape inferred;
  // returns its output. Throws std::logic_error for an unknown op.
  TensorRef add(std::string_view op, std::string_view suffix, std::vector<TensorRef> args,
                AttrMap attrs = {});

  // The output's gradient taken back through the forward node's fused
  // activation (its `act=`/`act_alpha=`, from the saved output) by an
  // activation_grad node; output_grad itself when there is none.
  TensorRef through_fused_activation();
  // The forward node's attributes among `names` that it has (a window's
  // kernel, stride, ...), for the backward ops that repeat them.
  AttrMap forward_attrs(std::initializer_list<const char*> names) const;
};

}  // namespace cnnc::ir
