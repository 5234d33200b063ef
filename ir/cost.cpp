#include "ir/cost.h"

namespace cnnc::ir {

NodeCost node_cost(const Graph& graph, NodeId id, const OpRegistry& ops) {
  const Node& node = graph.node(id);
  NodeCost cost;
  if (node.kind != NodeKind::Op) return cost;
  if (node.body) {
    for (NodeId member = 0; member < node.body->size(); ++member) {
      NodeCost c = node_cost(*node.body, member, ops);
      cost.macs += c.macs;
      cost.params += c.params;
      cost.state += c.state;
    }
    return cost;
  }
  std::vector<Shape> shapes;
  size_t data_inputs = 0;
  for (auto t : graph.inputs_of(id)) {
    const Node& src = graph.node(t.node);
    shapes.push_back(graph.shape_of(t));
    if (src.kind == NodeKind::Param)
      (src.param.role == ParamRole::Trainable ? cost.params : cost.state) +=
          src.outputs.at(0).elements_per_item();
    else
      ++data_inputs;
  }
  const OpDef* def = ops.find(node.op);
  if (def && def->macs)
    cost.macs = def->macs(OpContext{node.attrs, shapes, data_inputs}, node.outputs);
  return cost;
}

int64_t parameter_bytes(const Graph& graph) {
  int64_t bytes = 0;
  for (NodeId id = 0; id < graph.size(); ++id) {
    const Node& node = graph.node(id);
    if (node.value) bytes += node.value->size() * static_cast<int64_t>(sizeof(float));
    if (node.body) bytes += parameter_bytes(*node.body);
  }
  return bytes;
}

}  // namespace cnnc::ir
