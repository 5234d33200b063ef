#include "ir/dot_printer.h"

#include <fmt/format.h>

#include <map>

namespace cnnc::ir {

namespace {
std::string escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}
}  // namespace

std::string print_dot(const Graph& graph, const DotOptions& options) {
  std::string out = fmt::format(
      "digraph \"{}\" {{\n  rankdir=TB;\n  node [shape=box, style=rounded, "
      "fontname=\"Helvetica\"];\n",
      escape(graph.name));
  std::map<std::string, std::vector<NodeId>> clusters;
  auto emit_node = [&](NodeId id, const std::string& indent) {
    const Node& n = graph.node(id);
    std::string label, attrs;
    if (n.kind == NodeKind::Input) {
      label = fmt::format("{}\\ninput {}", escape(n.name), to_string(n.outputs.at(0)));
      attrs = ", shape=ellipse";
    } else if (n.kind == NodeKind::Param) {
      label = fmt::format("{}\\n{}", escape(n.name), to_string(n.outputs.at(0)));
      attrs = ", shape=note, fontsize=10";
    } else {
      label = fmt::format("{}\\n{}", escape(n.name), escape(n.op));
      if (!n.outputs.empty()) label += "\\n" + to_string(n.outputs[0]);
      if (!options.show_params) {
        for (auto t : graph.inputs_of(id)) {
          const Node& p = graph.node(t.node);
          if (p.kind == NodeKind::Param)
            label += fmt::format("\\n{} {}", escape(p.param.suffix), to_string(p.outputs.at(0)));
        }
      }
    }
    out += fmt::format("{}n{} [label=\"{}\"{}];\n", indent, id, label, attrs);
  };
  for (NodeId id = 0; id < graph.size(); ++id) {
    const Node& n = graph.node(id);
    if (n.kind == NodeKind::Param && !options.show_params) continue;
    if (n.kind == NodeKind::Op && n.attrs.is_ident("group")) {
      clusters[n.attrs.get_ident("group")].push_back(id);
      continue;
    }
    emit_node(id, "  ");
  }
  for (const auto& [group, ids] : clusters) {
    out += fmt::format("  subgraph \"cluster_{}\" {{\n    label=\"{}\";\n    style=dashed;\n",
                       escape(group), escape(group));
    for (auto id : ids) emit_node(id, "    ");
    out += "  }\n";
  }
  for (auto [it, end] = boost::edges(graph.impl()); it != end; ++it) {
    NodeId s = boost::source(*it, graph.impl()), t = boost::target(*it, graph.impl());
    if (graph.node(s).kind == NodeKind::Param && !options.show_params) continue;
    const auto& shape = graph.node(s).outputs.at(static_cast<size_t>(graph.impl()[*it].src_port));
    out += fmt::format("  n{} -> n{} [label=\"{}\", fontsize=9];\n", s, t, to_string(shape));
  }
  for (size_t i = 0; i < graph.outputs().size(); ++i) {
    out += fmt::format("  out{} [label=\"output\", shape=ellipse];\n  n{} -> out{};\n", i,
                       graph.outputs()[i].node, i);
  }
  return out + "}\n";
}

}  // namespace cnnc::ir
