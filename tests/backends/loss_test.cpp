#include <cmath>

#include "tests/backends/simple_ops_util.h"

namespace cnnc::testing {
namespace {

using ir::Shape;
using ir::Tensor;

TEST(SoftmaxCrossEntropy, HandComputedMeanOverTheBatch) {
  OpEnv env;
  // Item 0: logits (0, 1, 2), label 2: log(1 + e + e^2) - 2 = 0.40760596.
  // Item 1: logits (0, 0, 0), label 0: log 3 = 1.09861229.
  Tensor logits(Shape{2, 3}, {0.0f, 1.0f, 2.0f, 0.0f, 0.0f, 0.0f});
  Tensor labels(Shape{2}, {2.0f, 0.0f});
  expect_near(env.run1("softmax_cross_entropy", {logits, labels}), Shape{1},
              {(0.40760596f + 1.09861229f) / 2}, 1e-6f);
}

TEST(SoftmaxCrossEntropy, StableForLargeLogits) {
  OpEnv env;
  // exp(1000) overflows a naive sum; the loss equals that of logits (0, 1).
  Tensor logits(Shape{1, 2}, {1000.0f, 1001.0f});
  Tensor labels(Shape{1}, {0.0f});
  expect_near(env.run1("softmax_cross_entropy", {logits, labels}), Shape{1}, {1.31326169f}, 1e-5f);
}

TEST(SoftmaxCrossEntropy, ALabelOutsideTheClassesIsAnErrorNamingTheItem) {
  OpEnv env;
  Tensor logits(Shape{2, 3});
  for (float bad : {3.0f, -1.0f, 0.5f, NAN}) {
    Tensor labels(Shape{2}, {0.0f, bad});
    try {
      env.run1("softmax_cross_entropy", {logits, labels});
      ADD_FAILURE() << "label " << bad << " was accepted";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find("batch item 1"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("layer 'layer'"), std::string::npos) << e.what();
    }
  }
}

TEST(SoftmaxCrossEntropy, ShapesAreChecked) {
  OpEnv env;
  const ir::OpDef& def = env.def("softmax_cross_entropy");
  ir::AttrMap none;
  auto infer = [&](std::vector<Shape> in) { return def.infer(ir::OpContext{none, in, 2}); };
  EXPECT_EQ(infer({Shape{ir::kBatch, 10}, Shape{ir::kBatch}}).at(0), Shape{1});
  EXPECT_THROW(infer({Shape{ir::kBatch, 10, 1}, Shape{ir::kBatch}}), ir::OpError);
  EXPECT_THROW(infer({Shape{4, 10}, Shape{5}}), ir::OpError);
  EXPECT_THROW(infer({Shape{4, 10}, Shape{4, 1}}), ir::OpError);
}

TEST(MseLoss, MeanOverEveryElement) {
  OpEnv env;
  Tensor prediction(Shape{2, 2}, {1.0f, 2.0f, 3.0f, 4.0f});
  Tensor target(Shape{2, 2}, {1.0f, 0.0f, 0.0f, 8.0f});
  // (0 + 4 + 9 + 16) / 4
  expect_near(env.run1("mse_loss", {prediction, target}), Shape{1}, {7.25f});
  const ir::OpDef& def = env.def("mse_loss");
  ir::AttrMap none;
  std::vector<Shape> mismatched{Shape{2, 2}, Shape{2, 3}};
  EXPECT_THROW(def.infer(ir::OpContext{none, mismatched, 2}), ir::OpError);
}

}  // namespace
}  // namespace cnnc::testing
