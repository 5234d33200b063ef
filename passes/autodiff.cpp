#include "passes/autodiff.h"

#include <fmt/format.h>

#include <map>
#include <stdexcept>

#include "ir/gradient.h"

namespace cnnc::passes {

namespace {

// The sum of a tensor's gradient contributions: itself, or one `add` node.
ir::TensorRef total(ir::Graph& graph, const ir::OpRegistry& ops, ir::NodeId of,
                    const std::vector<ir::TensorRef>& parts) {
  if (parts.size() == 1) return parts[0];
  ir::GradientContext ctx{.graph = graph, .ops = ops, .node = of};
  return ctx.add("add", "sum", parts);
}

}  // namespace

std::vector<ParamGradient> append_backward(ir::Graph& graph, const ir::OpRegistry& ops,
                                           ir::TensorRef loss) {
  if (graph.shape_of(loss) != ir::Shape{1})
    throw std::invalid_argument(fmt::format("the loss '{}' must have shape [1], not {}",
                                            graph.node(loss.node).name,
                                            ir::to_string(graph.shape_of(loss))));
  const std::vector<ir::NodeId> order = graph.topological_order();
  // Which nodes depend on a trainable parameter: only they get gradients.
  std::vector<bool> trainable(graph.size(), false);
  for (ir::NodeId id : order) {
    const ir::Node& n = graph.node(id);
    if (n.kind == ir::NodeKind::Param)
      trainable[id] = n.param.role == ir::ParamRole::Trainable;
    else if (n.kind == ir::NodeKind::Op)
      for (const auto& in : graph.inputs_of(id))
        trainable[id] = trainable[id] || trainable[in.node];
  }

  std::map<ir::NodeId, std::vector<ir::TensorRef>> contributions;
  {
    ir::Node seed{.kind = ir::NodeKind::Param, .name = graph.node(loss.node).name + ".grad_seed"};
    seed.param = {.suffix = "grad_seed", .shape = ir::Shape{1}, .role = ir::ParamRole::State};
    seed.outputs = {ir::Shape{1}};
    seed.value = ir::Tensor(ir::Shape{1}, {1.0f});
    contributions[loss.node].push_back({graph.add_node(std::move(seed)), 0});
  }

  for (auto it = order.rbegin(); it != order.rend(); ++it) {
    const ir::NodeId id = *it;
    auto found = contributions.find(id);
    if (found == contributions.end() || !trainable[id] || graph.node(id).kind != ir::NodeKind::Op)
      continue;
    const ir::Node& node = graph.node(id);
    const ir::OpDef* def = ops.find(node.op);
    if (!def || !def->gradient)
      throw std::invalid_argument(
          fmt::format("layer '{}': op '{}' has no gradient rule, so it cannot be trained through",
                      node.name, node.op));
    if (node.outputs.size() != 1)
      throw std::invalid_argument(fmt::format(
          "layer '{}': op '{}' has {} outputs; gradients of multi-output ops are not supported",
          node.name, node.op, node.outputs.size()));
    ir::GradientContext ctx{.graph = graph,
                            .ops = ops,
                            .node = id,
                            .inputs = graph.inputs_of(id),
                            .output = {id, 0},
                            .output_grad = total(graph, ops, id, found->second)};
    for (const auto& in : ctx.inputs) ctx.wanted.push_back(trainable[in.node]);
    const auto grads = def->gradient(ctx);
    if (grads.size() != ctx.inputs.size())
      throw std::logic_error(
          fmt::format("the gradient rule of '{}' returned {} gradients for {} inputs", def->name,
                      grads.size(), ctx.inputs.size()));
    for (size_t port = 0; port < grads.size(); ++port) {
      const ir::TensorRef in = ctx.inputs[port];
      if (!trainable[in.node] || !grads[port]) continue;
      if (in.port != 0)
        throw std::invalid_argument(fmt::format(
            "layer '{}': reads output {} of '{}'; gradients of multi-output ops are not supported",
            graph.node(id).name, in.port, graph.node(in.node).name));
      contributions[in.node].push_back(*grads[port]);
    }
  }

  std::vector<ParamGradient> out;
  for (ir::NodeId p : graph.param_nodes()) {
    auto found = contributions.find(p);
    if (p < trainable.size() && trainable[p] && found != contributions.end())
      out.push_back({p, total(graph, ops, p, found->second)});
  }
  return out;
}

}  // namespace cnnc::passes
