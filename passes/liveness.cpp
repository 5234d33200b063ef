#include "passes/liveness.h"

#include <algorithm>

namespace cnnc::passes {

std::vector<LiveInterval> activation_intervals(const ir::Graph& graph,
                                               const std::vector<ir::NodeId>& schedule,
                                               int64_t batch) {
  std::vector<size_t> step_of(graph.size(), 0);
  for (size_t s = 0; s < schedule.size(); ++s) step_of[schedule[s]] = s;
  std::vector<LiveInterval> out;
  for (size_t s = 0; s < schedule.size(); ++s) {
    ir::NodeId id = schedule[s];
    const auto& node = graph.node(id);
    if (node.kind == ir::NodeKind::Param) continue;
    for (size_t port = 0; port < node.outputs.size(); ++port) {
      LiveInterval iv{{id, static_cast<int>(port)}, s, s, node.outputs[port].elements(batch) * 4};
      for (auto consumer : graph.consumers_of(id))
        iv.last_step = std::max(iv.last_step, step_of[consumer]);
      for (auto t : graph.outputs())
        if (t == iv.tensor) iv.last_step = schedule.size();
      out.push_back(iv);
    }
  }
  return out;
}

int64_t peak_activation_bytes(const ir::Graph& graph, int64_t batch) {
  auto schedule = graph.topological_order();
  auto intervals = activation_intervals(graph, schedule, batch);
  int64_t peak = 0;
  for (size_t s = 0; s < schedule.size(); ++s) {
    int64_t live = 0;
    for (const auto& iv : intervals)
      if (iv.first_step <= s && s <= iv.last_step) live += iv.bytes;
    peak = std::max(peak, live);
  }
  return peak;
}

}  // namespace cnnc::passes
