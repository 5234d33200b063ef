#include "passes/shape_inference.h"

#include <fmt/format.h>

#include <vector>

namespace cnnc::passes {

namespace {

std::string where(const ir::Node& node) {
  return fmt::format("{}: layer '{}'", node.source.describe(), node.name);
}

// How many of `inputs` are data inputs; see the header.
size_t count_data_inputs(const ir::Graph& graph, const ir::OpDef& def,
                         const std::vector<ir::TensorRef>& inputs) {
  if (!def.params) return inputs.size();
  size_t data = 0;
  for (size_t i = 0; i < inputs.size(); ++i)
    if (graph.node(inputs[i].node).kind != ir::NodeKind::Param) data = i + 1;
  return std::max(data, std::min(inputs.size(), static_cast<size_t>(std::max(def.min_inputs, 0))));
}

void infer_op(ir::Graph& graph, ir::NodeId id, const ir::OpRegistry& ops) {
  ir::Node& node = graph.node(id);
  const ir::OpDef* def = ops.find(node.op);
  if (!def) {
    auto near = ops.suggest(node.op);
    throw ShapeError(fmt::format("{}: unknown op '{}'{}", where(node), node.op,
                                 near.empty() ? "" : fmt::format("; did you mean '{}'?", near[0])),
                     id);
  }
  auto inputs = graph.inputs_of(id);
  std::vector<ir::Shape> shapes;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const ir::Node& producer = graph.node(inputs[i].node);
    if (static_cast<size_t>(inputs[i].port) >= producer.outputs.size())
      throw ShapeError(fmt::format("{}: input {} reads output {} of '{}', which has no such output",
                                   where(node), i, inputs[i].port, producer.name),
                       id, static_cast<int>(i));
    shapes.push_back(graph.shape_of(inputs[i]));
  }
  size_t data = count_data_inputs(graph, *def, inputs);
  auto count = static_cast<int>(data);
  if (count < def->min_inputs || (def->max_inputs >= 0 && count > def->max_inputs))
    throw ShapeError(fmt::format("{}: {} takes {} input(s), given {}", where(node), node.op,
                                 def->max_inputs < 0 ? fmt::format("at least {}", def->min_inputs)
                                 : def->min_inputs == def->max_inputs
                                     ? fmt::format("{}", def->min_inputs)
                                     : fmt::format("{} to {}", def->min_inputs, def->max_inputs),
                                 count),
                     id);
  try {
    node.outputs = def->infer(ir::OpContext{node.attrs, shapes, data, node.body.get()});
  } catch (const ir::OpError& e) {
    std::optional<int> input;
    std::string operand;
    if (e.input >= 0 && static_cast<size_t>(e.input) < inputs.size()) {
      input = e.input;
      const auto& src = graph.node(inputs[static_cast<size_t>(e.input)].node);
      operand =
          fmt::format(" (input {} is '{}' from {})", e.input, src.name, src.source.describe());
    }
    throw ShapeError(fmt::format("{} ({}): {}{}", where(node), node.op, e.what(), operand), id,
                     input);
  } catch (const ir::AttrError& e) {
    throw ShapeError(fmt::format("{} ({}): {}", where(node), node.op, e.what()), id);
  }
  if (node.asserted_shape && (node.outputs.empty() || *node.asserted_shape != node.outputs[0]))
    throw ShapeError(fmt::format("{} has shape {}, but the model asserts {}", where(node),
                                 node.outputs.empty() ? "[]" : ir::to_string(node.outputs[0]),
                                 ir::to_string(*node.asserted_shape)),
                     id);
}

}  // namespace

void infer_shapes(ir::Graph& graph, const ir::OpRegistry& ops) {
  for (ir::NodeId id : graph.topological_order()) {
    ir::Node& node = graph.node(id);
    switch (node.kind) {
      case ir::NodeKind::Input:
        if (node.outputs.empty())
          throw ShapeError(fmt::format("{}: model input '{}' has no declared shape",
                                       node.source.describe(), node.name),
                           id);
        break;
      case ir::NodeKind::Param:
        if (node.value && node.value->shape() != node.param.shape)
          throw ShapeError(
              fmt::format("{}: parameter '{}' holds a value of shape {}, but its layer expects {}",
                          node.source.describe(), node.name, ir::to_string(node.value->shape()),
                          ir::to_string(node.param.shape)),
              id);
        node.outputs = {node.param.shape};
        break;
      case ir::NodeKind::Op:
        infer_op(graph, id, ops);
        break;
    }
  }
}

}  // namespace cnnc::passes
