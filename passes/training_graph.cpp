#include "passes/training_graph.h"

#include "passes/fold_activation_grad.h"

#include <fmt/format.h>

#include <stdexcept>

#include "ir/gradient.h"
#include "passes/autodiff.h"
#include "passes/dead_node_elimination.h"

namespace cnnc::passes {

namespace {

bool is_frozen(const std::string& param, std::span<const std::string> frozen) {
  for (const auto& f : frozen)
    if (param.starts_with(f + ".")) return true;
  return false;
}

ir::TensorRef state_param(ir::Graph& g, const std::string& name, const ir::Shape& shape) {
  ir::Node n{.kind = ir::NodeKind::Param, .name = name};
  n.param = {.suffix = name.substr(name.rfind('.') + 1),
             .shape = shape,
             .role = ir::ParamRole::State,
             .init = ir::ParamInit::Zeros};
  n.outputs = {shape};
  n.value = ir::Tensor(shape);
  return {g.add_node(std::move(n)), 0};
}

// Adds one op node with the op's attribute defaults, as a gradient rule does.
ir::TensorRef add_op(ir::Graph& g, const ir::OpRegistry& ops, const std::string& name,
                     const std::string& op, std::vector<ir::TensorRef> args, ir::AttrMap attrs) {
  const ir::OpDef* def = ops.find(op);
  if (!def) throw std::logic_error(fmt::format("training graph: op '{}' is not registered", op));
  for (const ir::AttrSpec& spec : def->attrs)
    if (!attrs.has(spec.name) && spec.default_value) attrs.set(spec.name, *spec.default_value);
  std::vector<ir::Shape> shapes;
  for (const auto& a : args) shapes.push_back(g.shape_of(a));
  ir::Node n{.kind = ir::NodeKind::Op, .name = name, .op = op, .attrs = std::move(attrs)};
  n.outputs = def->infer(ir::OpContext{n.attrs, shapes, shapes.size()});
  const ir::NodeId id = g.add_node(std::move(n));
  for (size_t i = 0; i < args.size(); ++i) g.connect(args[i], id, static_cast<int>(i));
  return {id, 0};
}

struct Loss {
  ir::TensorRef loss, logits;
};

// Adds a `labels` input and softmax cross-entropy on the model's logits.
Loss append_loss(ir::Graph& g, const ir::OpRegistry& ops) {
  if (g.input_nodes().size() != 1 || g.outputs().size() != 1)
    throw std::invalid_argument(fmt::format(
        "model '{}' has {} inputs and {} outputs; training needs one of each (images in, class "
        "scores out)",
        g.name, g.input_nodes().size(), g.outputs().size()));
  ir::TensorRef logits = g.outputs()[0];
  if (const ir::Node& last = g.node(logits.node);
      last.kind == ir::NodeKind::Op && last.op == "softmax" && last.attrs.get_int("axis") == 1)
    logits = g.inputs_of(logits.node).at(0);
  const ir::Shape logits_shape = g.shape_of(logits);
  if (logits_shape.rank() != 2 || !logits_shape.has_symbolic_batch())
    throw std::invalid_argument(
        fmt::format("model '{}': the output '{}' has shape {}; training a classifier needs [N, "
                    "classes]",
                    g.name, g.node(logits.node).name, ir::to_string(logits_shape)));
  ir::Node labels{.kind = ir::NodeKind::Input, .name = "labels"};
  labels.outputs = {ir::Shape{ir::kBatch}};
  const ir::TensorRef label_input{g.add_node(std::move(labels)), 0};
  return {add_op(g, ops, "loss", "softmax_cross_entropy", {logits, label_input}, {}), logits};
}

}  // namespace

ir::Graph make_evaluation_graph(const ir::Graph& model, const ir::OpRegistry& ops) {
  ir::Graph g = model;
  const Loss l = append_loss(g, ops);
  g.set_outputs({l.loss, l.logits});
  eliminate_dead_nodes(g);
  return g;
}

TrainingGraph make_training_graph(const ir::Graph& model, const ir::OpRegistry& ops,
                                  const OptimizerSpec& optimizer,
                                  std::span<const std::string> frozen) {
  TrainingGraph t;
  ir::Graph& g = t.graph;
  g = model;
  for (const auto& f : frozen) {
    bool found = false;
    for (ir::NodeId p : g.param_nodes()) found = found || is_frozen(g.node(p).name, {&f, 1});
    if (!found)
      throw std::invalid_argument(
          fmt::format("--freeze {}: model '{}' has no layer or block of that name with "
                      "parameters",
                      f, g.name));
  }
  for (ir::NodeId p : g.param_nodes())
    if (is_frozen(g.node(p).name, frozen)) g.node(p).param.role = ir::ParamRole::State;

  // The training forms: batchnorm normalizes with the batch's statistics,
  // dropout draws its masks from the step counter (ir/ops/dropout_mask.h).
  const ir::TensorRef step = state_param(g, t.step, ir::Shape{1});
  std::vector<ir::NodeId> batchnorms;
  for (ir::NodeId id : g.topological_order()) {
    ir::Node& n = g.node(id);
    if (n.kind != ir::NodeKind::Op || (n.op != "batchnorm" && n.op != "dropout")) continue;
    n.attrs.set("training", true);
    if (n.op == "batchnorm")
      batchnorms.push_back(id);
    else if (g.inputs_of(id).size() == 1)
      g.connect(step, id, 1);
  }

  const auto [loss, logits] = append_loss(g, ops);
  const std::vector<ParamGradient> grads = append_backward(g, ops, loss);
  if (grads.empty())
    throw std::invalid_argument(
        fmt::format("model '{}' has no trainable parameter the loss depends on", g.name));

  const ir::TensorRef lr = state_param(g, t.learning_rate, ir::Shape{1});
  std::vector<ir::TensorRef> outputs{loss, logits};
  auto update = [&](const std::string& param, ir::TensorRef value) {
    t.updates.push_back({param, outputs.size()});
    outputs.push_back(value);
  };
  for (const ParamGradient& pg : grads) {
    const std::string name = g.node(pg.param).name;
    const ir::Shape shape = g.node(pg.param).outputs.at(0);
    const ir::TensorRef param{pg.param, 0};
    ir::AttrMap attrs;
    if (optimizer.kind == OptimizerSpec::Kind::Sgd) {
      attrs.set("momentum", optimizer.momentum);
      attrs.set("weight_decay", optimizer.weight_decay);
      ir::TensorRef velocity = param;  // read but unused without momentum
      if (optimizer.momentum != 0.0) {
        const ir::TensorRef old = state_param(g, name + ".velocity", shape);
        velocity = add_op(g, ops, name + ".update.velocity", "sgd_velocity",
                          {old, pg.gradient, param}, attrs);
        update(name + ".velocity", velocity);
      }
      attrs.set("nesterov", optimizer.nesterov);
      update(name, add_op(g, ops, name + ".update", "sgd_step", {param, pg.gradient, velocity, lr},
                          std::move(attrs)));
    } else {
      const bool decoupled = optimizer.kind == OptimizerSpec::Kind::AdamW;
      ir::TensorRef moments[2];
      for (int power : {1, 2}) {
        const std::string state = name + (power == 1 ? ".adam_m" : ".adam_v");
        ir::AttrMap m;
        m.set("beta", power == 1 ? optimizer.beta1 : optimizer.beta2);
        m.set("power", int64_t{power});
        m.set("weight_decay", decoupled ? 0.0 : optimizer.weight_decay);
        moments[power - 1] = add_op(g, ops, state + ".update", "adam_moment",
                                    {state_param(g, state, shape), pg.gradient, param}, m);
        update(state, moments[power - 1]);
      }
      attrs.set("beta1", optimizer.beta1);
      attrs.set("beta2", optimizer.beta2);
      attrs.set("eps", optimizer.eps);
      attrs.set("decoupled_weight_decay", decoupled ? optimizer.weight_decay : 0.0);
      update(name, add_op(g, ops, name + ".update", "adam_step",
                          {param, moments[0], moments[1], lr, step}, std::move(attrs)));
    }
  }
  // The running statistics of every batchnorm, updated as PyTorch's
  // (momentum-weighted, the variance unbiased), written back like weights.
  for (ir::NodeId id : batchnorms) {
    const std::vector<ir::TensorRef> in = g.inputs_of(id);  // x, weight, bias, mean, var
    ir::AttrMap momentum;
    momentum.set("momentum", g.node(id).attrs.get_float("momentum"));
    for (const auto& [port, op] : {std::pair<size_t, const char*>{3, "batchnorm_running_mean"},
                                   {4, "batchnorm_running_var"}}) {
      if (port >= in.size() || g.node(in[port].node).kind != ir::NodeKind::Param) continue;
      const std::string name = g.node(in[port].node).name;
      update(name, add_op(g, ops, name + ".update", op, {in[0], in[port]}, momentum));
    }
  }
  g.set_outputs(outputs);
  fold_activation_grads(g);
  eliminate_dead_nodes(g);
  return t;
}

}  // namespace cnnc::passes
