#include "passes/ir_dump.h"

#include <fmt/format.h>

#include <string>
#include <vector>

namespace cnnc::passes {

namespace {

std::string tensor_name(const ir::Graph& graph, ir::TensorRef t) {
  const auto& name = graph.node(t.node).name;
  return t.port == 0 ? name : fmt::format("{}:{}", name, t.port);
}

std::string shapes_text(const std::vector<ir::Shape>& shapes) {
  if (shapes.empty()) return "?";
  std::vector<std::string> parts;
  for (const auto& s : shapes) parts.push_back(ir::to_string(s));
  return fmt::format("{}", fmt::join(parts, ", "));
}

}  // namespace

void dump_graph(const ir::Graph& graph, std::ostream& out) {
  out << fmt::format("graph {} ({} nodes)\n", graph.name.empty() ? "<unnamed>" : graph.name,
                     graph.size());
  for (ir::NodeId id : graph.topological_order()) {
    const ir::Node& n = graph.node(id);
    std::string what;
    switch (n.kind) {
      case ir::NodeKind::Input:
        what = "input";
        break;
      case ir::NodeKind::Param:
        what = n.value ? "param = const" : "param";
        break;
      case ir::NodeKind::Op: {
        std::vector<std::string> ins;
        for (auto t : graph.inputs_of(id)) ins.push_back(tensor_name(graph, t));
        what = fmt::format("{}({})", n.op, fmt::join(ins, ", "));
        break;
      }
    }
    out << fmt::format("  {} = {} -> {}\n", n.name, what, shapes_text(n.outputs));
  }
  std::vector<std::string> outs;
  for (auto t : graph.outputs()) outs.push_back(tensor_name(graph, t));
  out << fmt::format("  outputs: {}\n", fmt::join(outs, ", "));
}

}  // namespace cnnc::passes
