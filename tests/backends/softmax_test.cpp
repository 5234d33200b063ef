#include <cmath>

#include "tests/backends/simple_ops_util.h"

namespace cnnc::testing {
namespace {

using ir::Shape;
using ir::Tensor;

TEST(Softmax, HandComputedAlongChannels) {
  OpEnv env;
  // [1, 3]: softmax(0, 1, 2) = e^k / (1 + e + e^2), with 1 + e + e^2 = 11.10733793
  Tensor x(Shape{1, 3}, {0.0f, 1.0f, 2.0f});
  expect_near(env.run1("softmax", {x}), Shape{1, 3}, {0.09003057f, 0.24472847f, 0.66524096f});
}

TEST(Softmax, StableForLargeInputsAndRowsSumToOne) {
  OpEnv env;
  // Naive exp(1000) overflows; the result equals softmax(0, 1).
  Tensor x(Shape{2, 2}, {1000.0f, 1001.0f, -1000.0f, -1000.0f});
  Tensor y = env.run1("softmax", {x});
  expect_near(y, Shape{2, 2}, {0.26894142f, 0.73105858f, 0.5f, 0.5f});
  EXPECT_NEAR(y[0] + y[1], 1.0f, 1e-6f);
  EXPECT_NEAR(y[2] + y[3], 1.0f, 1e-6f);
}

TEST(Softmax, AxisOneOfNchwNormalizesOverChannelsPerPixel) {
  OpEnv env;
  // [1, 2, 1, 2]: pixel 0 has channels (0, 0), pixel 1 has (0, ln 3).
  Tensor x(Shape{1, 2, 1, 2}, {0.0f, 0.0f, 0.0f, std::log(3.0f)});
  expect_near(env.run1("softmax", {x}), Shape{1, 2, 1, 2}, {0.5f, 0.25f, 0.5f, 0.75f});
}

TEST(Softmax, NegativeAxisCountsFromTheEnd) {
  OpEnv env;
  Tensor x(Shape{1, 2, 2}, {0.0f, std::log(3.0f), 1.0f, 1.0f});
  // axis=-1: rows of the last dim.
  expect_near(env.run1("softmax", {x}, {{"axis", int64_t{-1}}}), Shape{1, 2, 2},
              {0.25f, 0.75f, 0.5f, 0.5f});
  // axis=1 (default): columns over the middle dim: (0, 1) and (ln 3, 1).
  Tensor y = env.run1("softmax", {x});
  EXPECT_NEAR(y[0], 1.0f / (1.0f + std::exp(1.0f)), 1e-6f);
  EXPECT_NEAR(y[0] + y[2], 1.0f, 1e-6f);
  EXPECT_NEAR(y[1] + y[3], 1.0f, 1e-6f);
  EXPECT_NEAR(y[1], 3.0f / (3.0f + std::exp(1.0f)), 1e-6f);
}

TEST(LogSoftmax, EqualsLogOfSoftmax) {
  OpEnv env;
  Tensor x(Shape{2, 4, 3},
           {0.1f, -2.0f, 3.5f, 0.0f,  7.0f, -1.0f, 2.0f, 2.0f, 0.3f,  -0.7f, 1.1f, 4.0f,
            5.0f, -5.0f, 0.5f, 0.25f, 9.0f, -3.0f, 1.5f, 2.5f, -0.1f, 0.0f,  0.0f, 1.0f});
  for (int64_t axis : {0, 1, 2, -1}) {
    Tensor s = env.run1("softmax", {x}, {{"axis", axis}});
    Tensor l = env.run1("log_softmax", {x}, {{"axis", axis}});
    ASSERT_EQ(l.shape(), x.shape());
    for (int64_t i = 0; i < x.size(); ++i)
      EXPECT_NEAR(l[i], std::log(s[i]), 1e-5f) << "axis " << axis << " at " << i;
  }
}

TEST(LogSoftmax, StableForLargeInputs) {
  OpEnv env;
  // log_softmax(1000, 1001) = (-1, 0) - log(1 + e^-1) = (-1.31326169, -0.31326169)
  Tensor x(Shape{1, 2}, {1000.0f, 1001.0f});
  expect_near(env.run1("log_softmax", {x}), Shape{1, 2}, {-1.31326169f, -0.31326169f}, 1e-5f);
}

TEST(Softmax, AxisOutOfRangeIsAnOpErrorOnAxis) {
  OpEnv env;
  EXPECT_EQ(env.def("softmax").kind, ir::PatternKind::Reduction);
  try {
    env.infer("softmax", {Shape{ir::kBatch, 10}}, {{"axis", int64_t{2}}});
    FAIL() << "no error";
  } catch (const ir::OpError& e) {
    EXPECT_EQ(e.attr, "axis");
    EXPECT_NE(std::string(e.what()).find("[N, 10]"), std::string::npos) << e.what();
  }
  EXPECT_THROW(env.infer("log_softmax", {Shape{ir::kBatch, 10}}, {{"axis", int64_t{-3}}}),
               ir::OpError);
  EXPECT_EQ(env.infer("log_softmax", {Shape{ir::kBatch, 10}}, {{"axis", int64_t{-2}}})[0],
            Shape({ir::kBatch, 10}));
}

}  // namespace
}  // namespace cnnc::testing
