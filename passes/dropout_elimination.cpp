#include "passes/dropout_elimination.h"

#include <vector>

namespace cnnc::passes {

size_t eliminate_dropout(ir::Graph& graph) {
  std::vector<ir::NodeId> dropouts;
  // Topological order, so a chain of dropouts collapses onto the first input.
  for (ir::NodeId id : graph.topological_order()) {
    const ir::Node& node = graph.node(id);
    if (node.kind != ir::NodeKind::Op || node.op != "dropout") continue;
    auto inputs = graph.inputs_of(id);
    if (inputs.empty()) continue;  // malformed; leave it for shape inference to report
    graph.replace_uses({id, 0}, inputs[0]);
    dropouts.push_back(id);
  }
  if (!dropouts.empty()) graph.remove_nodes(dropouts);
  return dropouts.size();
}

}  // namespace cnnc::passes
