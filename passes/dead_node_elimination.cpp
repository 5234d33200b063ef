#include "passes/dead_node_elimination.h"

#include <vector>

namespace cnnc::passes {

size_t eliminate_dead_nodes(ir::Graph& graph) {
  std::vector<bool> live(graph.size(), false);
  std::vector<ir::NodeId> work;
  for (auto t : graph.outputs())
    if (!live[t.node]) live[t.node] = true, work.push_back(t.node);
  while (!work.empty()) {
    ir::NodeId id = work.back();
    work.pop_back();
    for (auto t : graph.inputs_of(id))
      if (!live[t.node]) live[t.node] = true, work.push_back(t.node);
  }
  std::vector<ir::NodeId> dead;
  for (ir::NodeId id = 0; id < graph.size(); ++id)
    if (!live[id] && graph.node(id).kind != ir::NodeKind::Input) dead.push_back(id);
  if (!dead.empty()) graph.remove_nodes(dead);
  return dead.size();
}

}  // namespace cnnc::passes
