#include "passes/constant_folding.h"

#include <gtest/gtest.h>

#include "passes/dead_node_elimination.h"
#include "passes/shape_inference.h"
#include "tests/passes/pass_test_util.h"

namespace cnnc::passes::testing {
namespace {

using ir::kBatch;
using ir::Shape;

// Evaluates same-shape add and mul, and records what it was asked.
struct FakeEvaluator {
  std::vector<std::string> calls;
  ConstantEvaluator fn() {
    return [this](const ir::Node& node,
                  std::span<const ir::Tensor> in) -> std::optional<std::vector<ir::Tensor>> {
      calls.push_back(node.name);
      if (node.op != "add" && node.op != "mul") return std::nullopt;
      ir::Tensor out = in[0];
      for (size_t k = 1; k < in.size(); ++k)
        for (int64_t i = 0; i < out.size(); ++i)
          out[i] = node.op == "add" ? out[i] + in[k][i] : out[i] * in[k][i];
      return std::vector<ir::Tensor>{out};
    };
  }
};

TEST(FoldConstants, ReplacesConstantOpsByParams) {
  auto ops = builtin_ops();
  GraphMaker m;
  auto x = m.input("x", Shape{kBatch, 3});
  auto a = m.param("a", Shape{3}, 2.0f);
  auto b = m.param("b", Shape{3}, 5.0f);
  auto scale = m.op("scale", "mul", {a, b});      // constant: 10
  auto shift = m.op("shift", "add", {scale, a});  // constant once scale is folded: 12
  auto y = m.op("y", "mul", {x, shift});          // reads the model input: stays
  m.g.add_output({y, 0});
  infer_shapes(m.g, ops);
  FakeEvaluator eval;

  EXPECT_EQ(fold_constants(m.g, ops, eval.fn()), 2u);
  EXPECT_EQ(eval.calls, (std::vector<std::string>{"scale", "shift"}));
  EXPECT_EQ(m.count_op("mul"), 1u);
  EXPECT_EQ(m.count_op("add"), 0u);
  ir::NodeId folded = m.id("shift");
  const ir::Node& node = m.g.node(folded);
  EXPECT_EQ(node.kind, ir::NodeKind::Param);
  EXPECT_EQ(node.param.role, ir::ParamRole::State);
  EXPECT_EQ(node.outputs, std::vector<Shape>{Shape({3})});
  ASSERT_TRUE(node.value.has_value());
  EXPECT_EQ(std::vector<float>(node.value->data().begin(), node.value->data().end()),
            (std::vector<float>{12, 12, 12}));
  EXPECT_EQ(m.g.inputs_of(m.id("y")), (std::vector<ir::TensorRef>{{m.id("x"), 0}, {folded, 0}}));
  // The intermediate `scale` constant and `b` are now dead; `a` too.
  EXPECT_EQ(eliminate_dead_nodes(m.g), 3u);
  EXPECT_EQ(m.g.size(), 3u);
  infer_shapes(m.g, ops);  // still a valid graph
  (void)scale;
}

TEST(FoldConstants, LeavesOpsItCannotFold) {
  auto ops = builtin_ops();
  GraphMaker m;
  auto unloaded = m.param("w", Shape{3}, std::nullopt);  // no value yet
  auto c = m.param("c", Shape{3}, 1.0f);
  auto r = m.op("r", "relu", {c});           // evaluator declines relu
  auto s = m.op("s", "add", {unloaded, c});  // an input has no value
  auto t = m.op("t", "add", {r, s});
  m.g.add_output({t, 0});
  infer_shapes(m.g, ops);
  FakeEvaluator eval;
  EXPECT_EQ(fold_constants(m.g, ops, eval.fn()), 0u);
  EXPECT_EQ(eval.calls, (std::vector<std::string>{"r"}));
  EXPECT_EQ(m.g.size(), 5u);
  // Without an evaluator nothing is attempted.
  EXPECT_EQ(fold_constants(m.g, ops, nullptr), 0u);
}

TEST(FoldConstants, SkipsStatefulOps) {
  // batchnorm owns running statistics (State params): never folded, even on constants.
  auto ops = builtin_ops();
  const ir::OpDef* bn = ops.find("batchnorm");
  ASSERT_TRUE(bn && bn->params);
  ir::AttrMap attrs;
  for (const auto& spec : bn->attrs)
    if (spec.default_value) attrs.set(spec.name, *spec.default_value);
  std::vector<Shape> data{Shape{1, 2, 1, 1}};
  auto specs = bn->params(ir::OpContext{attrs, data, 1});
  GraphMaker m;
  std::vector<ir::NodeId> ins{m.param("x", data[0])};
  for (const auto& p : specs) ins.push_back(m.param("bn." + p.suffix, p.shape));
  auto n = m.op("bn", "batchnorm", ins, attrs);
  m.g.add_output({n, 0});
  infer_shapes(m.g, ops);
  int calls = 0;
  ConstantEvaluator count =
      [&](const ir::Node&, std::span<const ir::Tensor>) -> std::optional<std::vector<ir::Tensor>> {
    ++calls;
    return std::nullopt;
  };
  EXPECT_EQ(fold_constants(m.g, ops, count), 0u);
  EXPECT_EQ(calls, 0);
}

}  // namespace
}  // namespace cnnc::passes::testing
