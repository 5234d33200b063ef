// Small hand-built graphs for the pass tests.
#pragma once

#include <string>
#include <vector>

#include "ir/graph.h"
#include "ir/op_registry.h"

namespace cnnc::passes::testing {

struct GraphMaker {
  ir::Graph g;

  ir::NodeId input(const std::string& name, ir::Shape shape) {
    ir::Node n{.kind = ir::NodeKind::Input, .name = name};
    n.outputs = {std::move(shape)};
    return g.add_node(std::move(n));
  }
  // A parameter with a value (every element `fill`) unless `fill` is nullopt.
  ir::NodeId param(const std::string& name, ir::Shape shape, std::optional<float> fill = 1.0f) {
    ir::Node n{.kind = ir::NodeKind::Param, .name = name};
    n.param.shape = shape;
    n.outputs = {shape};
    if (fill)
      n.value = ir::Tensor(shape, std::vector<float>(static_cast<size_t>(shape.elements()), *fill));
    return g.add_node(std::move(n));
  }
  // An op reading `inputs` at ports 0..; outputs are left for infer_shapes.
  ir::NodeId op(const std::string& name, const std::string& op, std::vector<ir::NodeId> inputs,
                ir::AttrMap attrs = {}) {
    ir::Node n{.kind = ir::NodeKind::Op, .name = name, .op = op, .attrs = std::move(attrs)};
    n.source.location = {.file = "test.cnn", .line = static_cast<int>(g.size()) + 1, .column = 1};
    ir::NodeId id = g.add_node(std::move(n));
    for (size_t i = 0; i < inputs.size(); ++i) g.connect({inputs[i], 0}, id, static_cast<int>(i));
    return id;
  }
  size_t count_op(const std::string& op) const {
    size_t n = 0;
    for (ir::NodeId id = 0; id < g.size(); ++id)
      n += g.node(id).kind == ir::NodeKind::Op && g.node(id).op == op;
    return n;
  }
  ir::NodeId id(const std::string& name) const { return g.find(name).value(); }
};

inline ir::OpRegistry builtin_ops() {
  ir::OpRegistry ops;
  ir::register_builtin_ops(ops);
  return ops;
}

}  // namespace cnnc::passes::testing
