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

// Node `id` of a graph drawn with `prefix` gets the DOT id prefix + id: "n4"
// at the top, "n4_2" for node 2 of the body of fused node n4.
class DotWriter {
 public:
  explicit DotWriter(const DotOptions& options) : options_(options) {}

  std::string print(const Graph& graph) {
    out_ = fmt::format(
        "digraph \"{}\" {{\n  rankdir=TB;\n  node [shape=box, style=rounded, "
        "fontname=\"Helvetica\"];\n",
        escape(graph.name));
    std::map<std::string, std::vector<NodeId>> clusters;
    for (NodeId id = 0; id < graph.size(); ++id) {
      const Node& n = graph.node(id);
      if (n.kind == NodeKind::Param && !options_.show_params) continue;
      if (n.kind == NodeKind::Op && n.attrs.is_ident("group")) {
        clusters[n.attrs.get_ident("group")].push_back(id);
        continue;
      }
      emit_node(graph, id, "n", "  ");
    }
    for (const auto& [group, ids] : clusters) {
      out_ += fmt::format("  subgraph \"cluster_{}\" {{\n    label=\"{}\";\n    style=dashed;\n",
                          escape(group), escape(group));
      for (auto id : ids) emit_node(graph, id, "n", "    ");
      out_ += "  }\n";
    }
    emit_edges(graph, "n", "  ");
    for (size_t i = 0; i < graph.outputs().size(); ++i)
      out_ += fmt::format("  out{} [label=\"output\", shape=ellipse];\n  {} -> out{};\n", i,
                          exit_of(graph, graph.outputs()[i], "n"), i);
    return out_ + "}\n";
  }

 private:
  static std::string body_prefix(const std::string& prefix, NodeId id) {
    return fmt::format("{}{}_", prefix, id);
  }

  void emit_node(const Graph& graph, NodeId id, const std::string& prefix,
                 const std::string& indent) {
    const Node& n = graph.node(id);
    if (n.body) {
      emit_fused(graph, id, prefix, indent);
      return;
    }
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
      if (!options_.show_params) {
        for (auto t : graph.inputs_of(id)) {
          const Node& p = graph.node(t.node);
          if (p.kind == NodeKind::Param)
            label += fmt::format("\\n{} {}", escape(p.param.suffix), to_string(p.outputs.at(0)));
        }
      }
    }
    out_ += fmt::format("{}{}{} [label=\"{}\"{}];\n", indent, prefix, id, label, attrs);
  }

  // A fused node is a cluster of its body's layers, labelled with the body's
  // name ("c1+relu1+p1"); the body's inputs are not drawn: edges into the
  // fused node go to the layers that read them.
  void emit_fused(const Graph& graph, NodeId id, const std::string& prefix,
                  const std::string& indent) {
    const Node& n = graph.node(id);
    const Graph& body = *n.body;
    std::string inner = body_prefix(prefix, id), deeper = indent + "  ";
    out_ += fmt::format(
        "{}subgraph \"cluster_{}{}\" {{\n{}label=\"{}\";\n{}style=\"rounded,filled\";\n"
        "{}fillcolor=\"#eef3fb\";\n",
        indent, prefix, id, deeper, escape(body.name.empty() ? n.name : body.name), deeper, deeper);
    for (NodeId b = 0; b < body.size(); ++b) {
      const Node& bn = body.node(b);
      if (bn.kind == NodeKind::Input || (bn.kind == NodeKind::Param && !options_.show_params))
        continue;
      emit_node(body, b, inner, deeper);
    }
    emit_edges(body, inner, deeper, true);
    out_ += indent + "}\n";
  }

  // Inside a body (`in_body`), edges from its inputs are drawn by the
  // enclosing graph, as edges into the fused node.
  void emit_edges(const Graph& graph, const std::string& prefix, const std::string& indent,
                  bool in_body = false) {
    for (auto [it, end] = boost::edges(graph.impl()); it != end; ++it) {
      NodeId s = boost::source(*it, graph.impl()), t = boost::target(*it, graph.impl());
      const Node& src = graph.node(s);
      if (src.kind == NodeKind::Param && !options_.show_params) continue;
      if (src.kind == NodeKind::Input && in_body) continue;
      const Edge& e = graph.impl()[*it];
      std::string label = to_string(src.outputs.at(static_cast<size_t>(e.src_port)));
      std::string from = exit_of(graph, {s, e.src_port}, prefix);
      for (const auto& to : entries_of(graph, t, e.dst_port, prefix))
        out_ += fmt::format("{}{} -> {} [label=\"{}\", fontsize=9];\n", indent, from, to, label);
    }
  }

  // Where an edge into input `port` of node `id` lands.
  std::vector<std::string> entries_of(const Graph& graph, NodeId id, int port,
                                      const std::string& prefix) const {
    const Node& n = graph.node(id);
    if (!n.body) return {fmt::format("{}{}", prefix, id)};
    const Graph& body = *n.body;
    NodeId input = body.input_nodes().at(static_cast<size_t>(port));
    std::vector<std::string> out;
    for (auto [it, end] = boost::out_edges(input, body.impl()); it != end; ++it) {
      auto more = entries_of(body, boost::target(*it, body.impl()), body.impl()[*it].dst_port,
                             body_prefix(prefix, id));
      out.insert(out.end(), more.begin(), more.end());
    }
    return out;
  }

  // Where tensor `t` leaves: a fused node's tensor leaves its body's output layer.
  std::string exit_of(const Graph& graph, TensorRef t, const std::string& prefix) const {
    const Node& n = graph.node(t.node);
    if (!n.body) return fmt::format("{}{}", prefix, t.node);
    return exit_of(*n.body, n.body->outputs().at(static_cast<size_t>(t.port)),
                   body_prefix(prefix, t.node));
  }

  const DotOptions& options_;
  std::string out_;
};

}  // namespace

std::string print_dot(const Graph& graph, const DotOptions& options) {
  return DotWriter(options).print(graph);
}

}  // namespace cnnc::ir
