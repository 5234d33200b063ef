#include "ir/text_printer.h"

#include <fmt/format.h>

namespace cnnc::ir {

namespace {

// "conv2d c1 filters=6 kernel=5": op, name, attributes that differ from their defaults.
std::string layer_text(const Node& node, const OpRegistry& ops) {
  std::string line = node.op + " " + node.name;
  const OpDef* def = ops.find(node.op);
  if (def) {
    for (const auto& spec : def->attrs) {
      if (!node.attrs.has(spec.name)) continue;
      const auto& v = node.attrs.get(spec.name);
      if (spec.default_value && *spec.default_value == v) continue;
      line += fmt::format(" {}={}", spec.name, format_attr_value(v));
    }
  } else {
    for (const auto& [key, value] : node.attrs.values())
      line += fmt::format(" {}={}", key, format_attr_value(value));
  }
  return line;
}

// A fused node's members, for the comment after its line.
std::string body_text(const Graph& body, const OpRegistry& ops) {
  std::vector<std::string> layers;
  for (NodeId id : body.topological_order())
    if (body.node(id).kind == NodeKind::Op) layers.push_back(layer_text(body.node(id), ops));
  return fmt::format("{}", fmt::join(layers, "; "));
}

}  // namespace

std::string print_model(const Graph& graph, const OpRegistry& ops) {
  std::string out = fmt::format("model {}\n", graph.name);
  std::optional<TensorRef> previous;
  for (NodeId id : graph.input_nodes()) {
    out +=
        fmt::format("input {} {}\n", graph.node(id).name, to_string(graph.node(id).outputs.at(0)));
    previous = TensorRef{id, 0};
  }
  for (NodeId id : graph.topological_order()) {
    const Node& node = graph.node(id);
    if (node.kind != NodeKind::Op) continue;
    std::string line = layer_text(node, ops);
    std::vector<std::string> from;
    std::vector<TensorRef> data;
    for (auto t : graph.inputs_of(id))
      if (graph.node(t.node).kind != NodeKind::Param) data.push_back(t);
    if (!(data.size() == 1 && previous && data[0] == *previous)) {
      for (auto t : data) from.push_back(graph.node(t.node).name);
      line += " from=" + fmt::format("{}", fmt::join(from, ","));
    }
    if (node.asserted_shape) line += " : " + to_string(*node.asserted_shape);
    if (node.body) line += "  # " + body_text(*node.body, ops);
    out += line + "\n";
    previous = TensorRef{id, 0};
  }
  std::vector<std::string> outs;
  for (auto t : graph.outputs()) outs.push_back(graph.node(t.node).name);
  out += fmt::format("output {}\n", fmt::join(outs, ", "));
  return out;
}

}  // namespace cnnc::ir
