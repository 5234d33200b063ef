#include <cmath>

#include "tests/backends/simple_ops_util.h"

namespace cnnc::testing {
namespace {

using ir::Shape;
using ir::Tensor;

const Tensor kInput(Shape{1, 2, 3}, {-2.0f, -0.5f, 0.0f, 0.5f, 1.0f, 3.0f});

TEST(Activation, Relu) {
  OpEnv env;
  expect_near(env.run1("relu", {kInput}), Shape{1, 2, 3}, {0, 0, 0, 0.5f, 1, 3});
}

TEST(Activation, Relu6ClipsAtSix) {
  OpEnv env;
  expect_near(env.run1("relu6", {Tensor(Shape{1, 1, 5}, {-2.0f, 0.0f, 3.5f, 6.0f, 9.0f})}),
              Shape{1, 1, 5}, {0, 0, 3.5f, 6, 6});
}

TEST(Activation, LeakyReluDefaultAndExplicitAlpha) {
  OpEnv env;
  expect_near(env.run1("leaky_relu", {kInput}), Shape{1, 2, 3}, {-0.02f, -0.005f, 0, 0.5f, 1, 3});
  expect_near(env.run1("leaky_relu", {kInput}, {{"alpha", 0.2}}), Shape{1, 2, 3},
              {-0.4f, -0.1f, 0, 0.5f, 1, 3});
  // A layer's own alpha=0 is a plain relu (only act_alpha=0 means "default").
  expect_near(env.run1("leaky_relu", {kInput}, {{"alpha", 0.0}}), Shape{1, 2, 3},
              {0, 0, 0, 0.5f, 1, 3});
}

TEST(Activation, Tanh) {
  OpEnv env;
  // tanh(0.5) = 0.46211716, tanh(1) = 0.76159416, tanh(3) = 0.99505475, tanh(2) = 0.96402758
  expect_near(env.run1("tanh", {kInput}), Shape{1, 2, 3},
              {-0.96402758f, -0.46211716f, 0, 0.46211716f, 0.76159416f, 0.99505475f});
}

TEST(Activation, Sigmoid) {
  OpEnv env;
  // 1/(1+e^2) = 0.11920292, 1/(1+e^0.5) = 0.37754067, 1/(1+e^-1) = 0.73105858, 1/(1+e^-3) =
  // 0.95257413
  expect_near(env.run1("sigmoid", {kInput}), Shape{1, 2, 3},
              {0.11920292f, 0.37754067f, 0.5f, 0.62245933f, 0.73105858f, 0.95257413f});
  // Far into the tails it saturates without NaN.
  Tensor tails(Shape{2}, {-200.0f, 200.0f});
  expect_near(env.run1("sigmoid", {tails}), Shape{2}, {0.0f, 1.0f});
}

TEST(Activation, Elu) {
  OpEnv env;
  // e^-2 - 1 = -0.86466472, e^-0.5 - 1 = -0.39346934
  expect_near(env.run1("elu", {kInput}), Shape{1, 2, 3},
              {-0.86466472f, -0.39346934f, 0, 0.5f, 1, 3});
  expect_near(env.run1("elu", {kInput}, {{"alpha", 2.0}}), Shape{1, 2, 3},
              {-1.72932944f, -0.78693868f, 0, 0.5f, 1, 3});
}

TEST(Activation, KeepsShapeOfAnyRank) {
  OpEnv env;
  for (const char* op : {"relu", "relu6", "leaky_relu", "tanh", "sigmoid", "elu"}) {
    EXPECT_EQ(env.infer(op, {Shape{ir::kBatch, 3, 5, 7}}),
              std::vector<Shape>{Shape({ir::kBatch, 3, 5, 7})})
        << op;
    EXPECT_EQ(env.infer(op, {Shape{4}}), std::vector<Shape>{Shape({4})}) << op;
    EXPECT_EQ(env.def(op).kind, ir::PatternKind::Elementwise) << op;
  }
}

TEST(Activation, NegativeAlphaIsRejected) {
  OpEnv env;
  EXPECT_THROW(env.attrs("leaky_relu", {{"alpha", -0.1}}), ir::AttrError);
  EXPECT_THROW(env.attrs("elu", {{"alpha", -1.0}}), ir::AttrError);
}

}  // namespace
}  // namespace cnnc::testing
