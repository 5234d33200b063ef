#include "ir/verifier.h"

#include <fmt/format.h>

#include <map>
#include <set>

namespace cnnc::ir {

std::vector<std::string> verify(const Graph& graph, const OpRegistry& ops) {
  std::vector<std::string> problems;
  std::map<std::string, NodeId> names;
  for (NodeId id = 0; id < graph.size(); ++id) {
    const Node& n = graph.node(id);
    if (n.name.empty())
      problems.push_back(fmt::format("node {} has no name", id));
    else if (auto [it, fresh] = names.emplace(n.name, id); !fresh)
      problems.push_back(
          fmt::format("name '{}' is used by nodes {} and {}", n.name, it->second, id));
  }
  if (graph.outputs().empty()) problems.push_back("graph has no outputs");
  for (auto t : graph.outputs())
    if (t.node >= graph.size() || static_cast<size_t>(t.port) >= graph.node(t.node).outputs.size())
      problems.push_back(fmt::format("graph output {}:{} does not exist", t.node, t.port));
  try {
    (void)graph.topological_order();
  } catch (const std::exception& e) {
    problems.push_back(e.what());
    return problems;
  }
  for (NodeId id = 0; id < graph.size(); ++id) {
    const Node& n = graph.node(id);
    auto inputs = graph.inputs_of(id);
    if (n.kind != NodeKind::Op) {
      if (!inputs.empty())
        problems.push_back(fmt::format("{} '{}' has inputs",
                                       n.kind == NodeKind::Param ? "parameter" : "input", n.name));
      if (n.outputs.size() != 1)
        problems.push_back(fmt::format("'{}' must have exactly one shape", n.name));
      if (n.value && !n.outputs.empty() && n.value->shape() != n.outputs[0].with_batch(1) &&
          n.value->shape() != n.outputs[0])
        problems.push_back(fmt::format("parameter '{}' holds {} but is declared {}", n.name,
                                       to_string(n.value->shape()), to_string(n.outputs[0])));
      continue;
    }
    const OpDef* def = ops.find(n.op);
    if (!def) {
      problems.push_back(fmt::format("layer '{}' uses unknown op '{}'", n.name, n.op));
      continue;
    }
    std::set<int> ports;
    for (auto [it, end] = boost::in_edges(id, graph.impl()); it != end; ++it) {
      int p = graph.impl()[*it].dst_port;
      if (!ports.insert(p).second)
        problems.push_back(fmt::format("input {} of layer '{}' is fed twice", p, n.name));
    }
    if (!ports.empty() &&
        (*ports.begin() != 0 || *ports.rbegin() != static_cast<int>(ports.size()) - 1))
      problems.push_back(fmt::format("layer '{}' has a gap in its input ports", n.name));
    size_t data = 0;
    for (auto t : inputs) data += graph.node(t.node).kind != NodeKind::Param;
    int nd = static_cast<int>(data);
    if (nd < def->min_inputs || (def->max_inputs >= 0 && nd > def->max_inputs))
      problems.push_back(fmt::format("layer '{}' ({}) has {} data inputs", n.name, n.op, nd));
    std::vector<Shape> shapes;
    bool have_shapes = true;
    for (auto t : inputs) {
      const auto& src = graph.node(t.node);
      if (static_cast<size_t>(t.port) >= src.outputs.size())
        have_shapes = false;
      else
        shapes.push_back(src.outputs[static_cast<size_t>(t.port)]);
    }
    if (!have_shapes || n.outputs.empty()) {
      problems.push_back(fmt::format("layer '{}' has no inferred shapes", n.name));
      continue;
    }
    try {
      auto again = def->infer(OpContext{n.attrs, shapes, data, n.body.get()});
      if (again != n.outputs)
        problems.push_back(fmt::format("layer '{}' records shape {} but its inputs give {}", n.name,
                                       to_string(n.outputs[0]), to_string(again.at(0))));
    } catch (const std::exception& e) {
      problems.push_back(fmt::format("layer '{}': {}", n.name, e.what()));
    }
    if (n.body)
      for (const auto& p : verify(*n.body, ops))
        problems.push_back(fmt::format("body of '{}': {}", n.name, p));
  }
  return problems;
}

}  // namespace cnnc::ir
