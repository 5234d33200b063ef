#include "passes/shape_inference.h"

#include <gtest/gtest.h>

#include "tests/passes/pass_test_util.h"

namespace cnnc::passes::testing {
namespace {

using ir::kBatch;
using ir::Shape;

ir::AttrMap axis(int64_t a) {
  ir::AttrMap m;
  m.set("axis", a);
  return m;
}

TEST(InferShapes, FillsOutputsInTopologicalOrder) {
  auto ops = builtin_ops();
  GraphMaker m;
  auto x = m.input("x", Shape{kBatch, 3, 4, 4});
  auto r = m.op("r", "relu", {x});
  auto f = m.op("f", "flatten", {r}, axis(1));
  auto s = m.op("s", "mul", {f, m.param("scale", Shape{48})});
  m.g.add_output({s, 0});
  infer_shapes(m.g, ops);
  EXPECT_EQ(m.g.node(r).outputs, std::vector<Shape>{Shape({kBatch, 3, 4, 4})});
  EXPECT_EQ(m.g.node(f).outputs, std::vector<Shape>{Shape({kBatch, 48})});
  // The Param feeding `mul` is a data operand: mul declares no parameters.
  EXPECT_EQ(m.g.node(s).outputs, std::vector<Shape>{Shape({kBatch, 48})});
}

TEST(InferShapes, AssertedShapeMismatchNamesLayerAndSource) {
  auto ops = builtin_ops();
  GraphMaker m;
  auto x = m.input("x", Shape{kBatch, 8});
  auto r = m.op("act", "relu", {x});
  m.g.node(r).asserted_shape = Shape{kBatch, 9};
  m.g.add_output({r, 0});
  try {
    infer_shapes(m.g, ops);
    FAIL() << "no error";
  } catch (const ShapeError& e) {
    std::string msg = e.what();
    EXPECT_EQ(e.node, r);
    EXPECT_NE(msg.find("'act'"), std::string::npos) << msg;
    EXPECT_NE(msg.find("test.cnn:2:1"), std::string::npos) << msg;
    EXPECT_NE(msg.find("[N, 8]"), std::string::npos) << msg;
    EXPECT_NE(msg.find("[N, 9]"), std::string::npos) << msg;
  }
}

TEST(InferShapes, ConcatMismatchNamesTheOperandIndex) {
  auto ops = builtin_ops();
  GraphMaker m;
  auto a = m.input("a", Shape{kBatch, 4, 8, 8});
  auto b = m.input("b", Shape{kBatch, 2, 7, 8});
  auto c = m.op("cat", "concat", {a, b}, axis(1));
  m.g.add_output({c, 0});
  try {
    infer_shapes(m.g, ops);
    FAIL() << "no error";
  } catch (const ShapeError& e) {
    std::string msg = e.what();
    ASSERT_TRUE(e.input.has_value());
    EXPECT_EQ(*e.input, 1);
    EXPECT_EQ(e.node, c);
    EXPECT_NE(msg.find("'cat'"), std::string::npos) << msg;
    EXPECT_NE(msg.find("input 1 is 'b'"), std::string::npos) << msg;
    EXPECT_NE(msg.find("[N, 2, 7, 8]"), std::string::npos) << msg;
  }
}

TEST(InferShapes, UnknownOpSuggestsAName) {
  auto ops = builtin_ops();
  GraphMaker m;
  auto r = m.op("r", "rellu", {m.input("x", Shape{kBatch, 2})});
  m.g.add_output({r, 0});
  try {
    infer_shapes(m.g, ops);
    FAIL() << "no error";
  } catch (const ShapeError& e) {
    EXPECT_NE(std::string(e.what()).find("did you mean 'relu'"), std::string::npos) << e.what();
  }
}

TEST(InferShapes, WrongInputCountAndParamValueShape) {
  auto ops = builtin_ops();
  {
    GraphMaker m;
    auto s = m.op("s", "add", {m.input("x", Shape{kBatch, 2})});
    m.g.add_output({s, 0});
    EXPECT_THROW(infer_shapes(m.g, ops), ShapeError);
  }
  {
    GraphMaker m;
    auto p = m.param("p", Shape{2});
    m.g.node(p).value = ir::Tensor(Shape{3});
    auto s = m.op("s", "add", {m.input("x", Shape{kBatch, 2}), p});
    m.g.add_output({s, 0});
    EXPECT_THROW(infer_shapes(m.g, ops), ShapeError);
  }
}

TEST(InferShapes, OpsWithParametersSeeTheirParamsAfterTheData) {
  auto ops = builtin_ops();
  const ir::OpDef* conv = ops.find("conv2d");
  ASSERT_NE(conv, nullptr);
  GraphMaker m;
  auto x = m.input("x", Shape{kBatch, 3, 8, 8});
  ir::AttrMap attrs;
  for (const auto& spec : conv->attrs)
    if (spec.default_value) attrs.set(spec.name, *spec.default_value);
  attrs.set("filters", int64_t{4});
  attrs.set("kernel", int64_t{3});
  attrs.set("bias", false);
  auto c = m.op("c", "conv2d", {x, m.param("c.weight", Shape{4, 3, 3, 3})}, attrs);
  m.g.add_output({c, 0});
  infer_shapes(m.g, ops);
  EXPECT_EQ(m.g.node(c).outputs.at(0), Shape({kBatch, 4, 6, 6}));
}

}  // namespace
}  // namespace cnnc::passes::testing
