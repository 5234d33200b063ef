// global_avgpool, global_maxpool: every spatial axis reduced to 1, rank kept.
#include <gtest/gtest.h>

#include "tests/backends/test_util.h"

namespace cnnc {
namespace {

using test_util::tensors_near;

class GlobalPool : public ::testing::Test {
 protected:
  test_util::Harness h;
};

TEST_F(GlobalPool, HandComputed2D) {
  ir::Tensor x({2, 2, 2, 2}, {1, 2, 3, 4, -1, -2, -3, -6, 0, 0, 0, 8, 5, 5, 5, 5});
  EXPECT_TRUE(tensors_near(h.run("global_avgpool", x, {}),
                           ir::Tensor({2, 2, 1, 1}, {2.5f, -3, 2, 5}), 1e-6));
  EXPECT_TRUE(
      tensors_near(h.run("global_maxpool", x, {}), ir::Tensor({2, 2, 1, 1}, {4, -1, 8, 5}), 0));
}

TEST_F(GlobalPool, OneAndThreeDimensional) {
  ir::Tensor x1({1, 2, 3}, {1, 2, 6, -3, -4, -5});
  EXPECT_TRUE(tensors_near(h.run("global_avgpool", x1, {}), ir::Tensor({1, 2, 1}, {3, -4}), 1e-6));
  EXPECT_TRUE(tensors_near(h.run("global_maxpool", x1, {}), ir::Tensor({1, 2, 1}, {6, -3}), 0));
  ir::Tensor x3({1, 1, 2, 1, 2}, {1, 2, 3, 10});
  EXPECT_TRUE(
      tensors_near(h.run("global_avgpool", x3, {}), ir::Tensor({1, 1, 1, 1, 1}, {4}), 1e-6));
}

TEST_F(GlobalPool, ShapesAndErrors) {
  EXPECT_EQ(h.infer("global_avgpool", {ir::kBatch, 2048, 7, 7}, {})[0],
            (ir::Shape{ir::kBatch, 2048, 1, 1}));
  EXPECT_EQ(h.infer("global_maxpool", {ir::kBatch, 8, 5, 6, 7}, {})[0],
            (ir::Shape{ir::kBatch, 8, 1, 1, 1}));
  EXPECT_EQ(h.macs("global_avgpool", {ir::kBatch, 8, 5, 5}, {}), 0);
  try {
    h.infer("global_avgpool", {ir::kBatch, 10}, {});
    FAIL() << "no spatial axis";
  } catch (const ir::OpError& e) {
    EXPECT_EQ(e.input, 0);
  }
}

}  // namespace
}  // namespace cnnc
