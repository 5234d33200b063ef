// Graphviz DOT of a graph: one box per layer with its op and output shape,
// edges labelled with tensor shapes. Parameters are folded into their layer's
// label unless asked for. A fused node is drawn as a cluster of its body's
// layers, labelled with its members' names; nodes whose `group` attribute is set are drawn as
// clusters too.
#pragma once

#include <string>

#include "ir/graph.h"

namespace cnnc::ir {

struct DotOptions {
  bool show_params = false;
};

std::string print_dot(const Graph& graph, const DotOptions& options = {});

}  // namespace cnnc::ir
