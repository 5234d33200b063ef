// Helpers for the simple-op tests: run one op through the reference backend
// on hand-built one-layer graphs, or ask its OpDef for output shapes.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "backends/reference/kernel_table.h"
#include "backends/reference/reference_backend.h"
#include "ir/graph.h"
#include "ir/op_registry.h"

namespace cnnc::testing {

// A fresh op registry and kernel table with every built-in registered.
struct OpEnv {
  ir::OpRegistry ops;
  backends::reference::KernelTable kernels;
  OpEnv() {
    ir::register_builtin_ops(ops);
    backends::reference::register_builtin_kernels(kernels);
  }

  const ir::OpDef& def(const std::string& op) const {
    const ir::OpDef* d = ops.find(op);
    if (!d) throw std::invalid_argument("no op " + op);
    return *d;
  }

  // `given` coerced through the op's attribute specs, defaults filled in, as
  // the frontend hands attributes to the IR.
  ir::AttrMap attrs(const std::string& op,
                    const std::map<std::string, ir::AttrValue>& given = {}) const {
    ir::AttrMap out;
    for (const auto& spec : def(op).attrs) {
      auto it = given.find(spec.name);
      if (it != given.end())
        out.set(spec.name, ir::coerce_attr(spec, it->second));
      else if (spec.default_value)
        out.set(spec.name, *spec.default_value);
    }
    return out;
  }

  // OpDef::infer for data inputs of these shapes; throws what infer throws.
  std::vector<ir::Shape> infer(const std::string& op, const std::vector<ir::Shape>& inputs,
                               const std::map<std::string, ir::AttrValue>& given = {}) const {
    ir::AttrMap a = attrs(op, given);
    return def(op).infer(ir::OpContext{a, inputs, inputs.size()});
  }

  // Runs `op` on `inputs` (each becomes an Input node of its exact shape)
  // and returns the op's outputs.
  std::vector<ir::Tensor> run(const std::string& op, const std::vector<ir::Tensor>& inputs,
                              const std::map<std::string, ir::AttrValue>& given = {}) const {
    ir::Graph g;
    g.name = "one_" + op;
    std::vector<ir::Shape> shapes;
    std::vector<ir::NodeId> ins;
    for (size_t i = 0; i < inputs.size(); ++i) {
      ir::Node in{.kind = ir::NodeKind::Input, .name = "x" + std::to_string(i)};
      in.outputs = {inputs[i].shape()};
      shapes.push_back(inputs[i].shape());
      ins.push_back(g.add_node(std::move(in)));
    }
    ir::Node node{.kind = ir::NodeKind::Op, .name = "layer", .op = op, .attrs = attrs(op, given)};
    node.outputs = def(op).infer(ir::OpContext{node.attrs, shapes, shapes.size()});
    size_t outputs = node.outputs.size();
    ir::NodeId id = g.add_node(std::move(node));
    for (size_t i = 0; i < ins.size(); ++i) g.connect({ins[i], 0}, id, static_cast<int>(i));
    for (size_t p = 0; p < outputs; ++p) g.add_output({id, static_cast<int>(p)});
    auto exe = backends::reference::make_reference_backend(kernels)->compile(g, {});
    return exe->run(inputs);
  }

  ir::Tensor run1(const std::string& op, const std::vector<ir::Tensor>& inputs,
                  const std::map<std::string, ir::AttrValue>& given = {}) const {
    auto outs = run(op, inputs, given);
    EXPECT_EQ(outs.size(), 1u);
    return outs.at(0);
  }
};

// Element-wise comparison with an absolute tolerance, reporting the index.
inline void expect_near(const ir::Tensor& got, const ir::Shape& shape,
                        const std::vector<float>& want, float tol = 1e-6f) {
  ASSERT_EQ(got.shape(), shape) << ir::to_string(got.shape());
  ASSERT_EQ(static_cast<size_t>(got.size()), want.size());
  for (size_t i = 0; i < want.size(); ++i)
    EXPECT_NEAR(got[static_cast<int64_t>(i)], want[i], tol) << "at " << i;
}

}  // namespace cnnc::testing
