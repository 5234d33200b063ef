// lrn: PyTorch's LocalResponseNorm, including its off-centre window for even
// sizes (size/2 channels before, (size-1)/2 after) and alpha divided by size.
#include <gtest/gtest.h>

#include "tests/backends/test_util.h"

namespace cnnc {
namespace {

using test_util::tensors_near;

class Lrn : public ::testing::Test {
 protected:
  test_util::Harness h;
  ir::Tensor x{{1, 4, 1, 1}, {1, 2, 3, 4}};
};

TEST_F(Lrn, OddWindowIsCentred) {
  // size 3, alpha/size = 1, beta 1, k 1: a_c / (1 + sum of squares of c-1..c+1).
  ir::Tensor want({1, 4, 1, 1}, {1.0f / 6, 2.0f / 15, 3.0f / 30, 4.0f / 26});
  EXPECT_TRUE(tensors_near(
      h.run("lrn", x, {{"size", 3}, {"alpha", 3.0}, {"beta", 1.0}, {"k", 1.0}}), want, 1e-6));
}

TEST_F(Lrn, EvenWindowLeansBackwards) {
  // size 2: channels c-1 and c. a_c / sqrt(0 + sum): 1/1, 2/sqrt(5), 3/sqrt(13), 4/5.
  ir::Tensor want({1, 4, 1, 1}, {1, 0.8944272f, 0.8320503f, 0.8f});
  EXPECT_TRUE(tensors_near(
      h.run("lrn", x, {{"size", 2}, {"alpha", 2.0}, {"beta", 0.5}, {"k", 0.0}}), want, 1e-6));
}

TEST_F(Lrn, AlexNetSettings) {
  // One channel: 10 / (2 + 1e-4/5 * 100)^0.75 and -20 / (2 + 1e-4/5 * 400)^0.75.
  ir::Tensor x1({1, 1, 1, 2}, {10, -20});
  EXPECT_TRUE(tensors_near(h.run("lrn", x1, {{"size", 5}, {"k", 2.0}}),
                           ir::Tensor({1, 1, 1, 2}, {5.9415799f, -11.8565193f}), 1e-6));
}

TEST_F(Lrn, DefaultsShapesAndErrors) {
  auto a = h.attrs("lrn", {});
  EXPECT_EQ(a.get_int("size"), 5);
  EXPECT_EQ(a.get_float("alpha"), 1e-4);
  EXPECT_EQ(a.get_float("beta"), 0.75);
  EXPECT_EQ(a.get_float("k"), 1.0);
  EXPECT_EQ(h.infer("lrn", {ir::kBatch, 96, 55, 55}, {})[0], (ir::Shape{ir::kBatch, 96, 55, 55}));
  EXPECT_TRUE(h.params("lrn", {ir::kBatch, 96, 55, 55}, {}).empty());
  EXPECT_THROW(h.infer("lrn", {ir::kBatch, 4}, {{"size", 0}}), ir::AttrError);
  try {
    h.infer("lrn", {ir::kBatch}, {});
    FAIL() << "no channel axis";
  } catch (const ir::OpError& e) {
    EXPECT_EQ(e.input, 0);
  }
}

}  // namespace
}  // namespace cnnc
