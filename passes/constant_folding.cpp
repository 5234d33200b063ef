#include "passes/constant_folding.h"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>
#include <vector>

namespace cnnc::passes {

namespace {

bool stateful(const ir::OpDef& def, const ir::Node& node, std::span<const ir::Shape> inputs) {
  if (!def.params) return false;
  // The params hook wants the data inputs' shapes; every operand here is a Param, so
  // take as many as the op's minimum number of inputs.
  size_t data = std::min(inputs.size(), static_cast<size_t>(std::max(def.min_inputs, 1)));
  try {
    for (const auto& p : def.params(ir::OpContext{node.attrs, inputs.first(data), data}))
      if (p.role == ir::ParamRole::State) return true;
  } catch (const std::exception&) {
    return true;  // cannot tell: do not fold
  }
  return false;
}

}  // namespace

size_t fold_constants(ir::Graph& graph, const ir::OpRegistry& ops,
                      const ConstantEvaluator& evaluate) {
  if (!evaluate) return 0;
  std::vector<ir::NodeId> folded;
  for (ir::NodeId id : graph.topological_order()) {
    const ir::Node& node = graph.node(id);
    if (node.kind != ir::NodeKind::Op || node.outputs.size() != 1) continue;
    auto inputs = graph.inputs_of(id);
    if (inputs.empty()) continue;
    std::vector<ir::Tensor> values;
    std::vector<ir::Shape> shapes;
    bool constant = true;
    for (auto t : inputs) {
      const ir::Node& producer = graph.node(t.node);
      if (producer.kind != ir::NodeKind::Param || !producer.value) {
        constant = false;
        break;
      }
      values.push_back(*producer.value);
      shapes.push_back(producer.value->shape());
    }
    if (!constant) continue;
    const ir::OpDef* def = ops.find(node.op);
    if (!def || stateful(*def, node, shapes)) continue;
    auto result = evaluate(node, values);
    if (!result || result->size() != 1) continue;
    if ((*result)[0].shape() != node.outputs[0])
      throw std::logic_error(fmt::format(
          "constant folding of '{}' produced shape {}, but its inferred shape is {}", node.name,
          ir::to_string((*result)[0].shape()), ir::to_string(node.outputs[0])));
    ir::Node constant_node{.kind = ir::NodeKind::Param, .name = node.name, .source = node.source};
    constant_node.outputs = node.outputs;
    constant_node.param = ir::ParamSpec{.shape = node.outputs[0], .role = ir::ParamRole::State};
    constant_node.value = std::move((*result)[0]);
    ir::NodeId replacement = graph.add_node(std::move(constant_node));
    graph.replace_uses({id, 0}, {replacement, 0});
    folded.push_back(id);
  }
  if (!folded.empty()) graph.remove_nodes(folded);
  return folded.size();
}

}  // namespace cnnc::passes
