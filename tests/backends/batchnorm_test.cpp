// batchnorm (inference): hand-computed normalization on rank-2 and rank-4
// inputs, parameter roles and counts as torchvision's.
#include <gtest/gtest.h>

#include "tests/backends/test_util.h"

namespace cnnc {
namespace {

using test_util::tensors_near;

class BatchNorm : public ::testing::Test {
 protected:
  test_util::Harness h;
  // weight (3, 2), bias (1, -1), running mean (1, -2), running var (3.99, 0.24):
  // with eps 0.01 the standard deviations are 2 and 0.5.
  std::vector<ir::Tensor> params() const {
    return {ir::Tensor({2}, {3, 2}), ir::Tensor({2}, {1, -1}), ir::Tensor({2}, {1, -2}),
            ir::Tensor({2}, {3.99f, 0.24f})};
  }
};

TEST_F(BatchNorm, HandComputedRank4) {
  ir::Tensor x({2, 2, 1, 2}, {1, 5, -2, -1.5f, -3, 3, 0, -2});
  // channel 0: (x-1)/2*3+1; channel 1: (x+2)/0.5*2-1.
  ir::Tensor want({2, 2, 1, 2}, {1, 7, -1, 1, -5, 4, 7, -1});
  EXPECT_TRUE(tensors_near(h.run("batchnorm", x, {{"eps", 0.01}}, params()), want, 1e-5));
}

TEST_F(BatchNorm, HandComputedRank2) {
  ir::Tensor x({1, 2}, {5, 0});
  EXPECT_TRUE(tensors_near(h.run("batchnorm", x, {{"eps", 0.01}}, params()),
                           ir::Tensor({1, 2}, {7, 7}), 1e-5));
}

TEST_F(BatchNorm, DefaultEpsIsOneInHundredThousand) {
  ir::Tensor x({1, 1, 1}, {1});
  std::vector<ir::Tensor> p{ir::Tensor({1}, {1}), ir::Tensor({1}, {0}), ir::Tensor({1}, {0}),
                            ir::Tensor({1}, {0})};
  // 1 / sqrt(0 + 1e-5) = 316.2278
  EXPECT_TRUE(
      tensors_near(h.run("batchnorm", x, {}, p), ir::Tensor({1, 1, 1}, {316.22777f}), 1e-5));
}

TEST_F(BatchNorm, ParametersAndErrors) {
  ir::Shape x{ir::kBatch, 64, 56, 56};
  EXPECT_EQ(h.infer("batchnorm", x, {})[0], x);
  EXPECT_EQ(h.param_count("batchnorm", x, {}, ir::ParamRole::Trainable), 128);
  EXPECT_EQ(h.param_count("batchnorm", x, {}, ir::ParamRole::State), 128);
  auto ps = h.params("batchnorm", x, {});
  ASSERT_EQ(ps.size(), 4u);
  EXPECT_EQ(ps[0].suffix, "weight");
  EXPECT_EQ(ps[0].init, ir::ParamInit::Ones);
  EXPECT_EQ(ps[1].suffix, "bias");
  EXPECT_EQ(ps[1].init, ir::ParamInit::Zeros);
  EXPECT_EQ(ps[2].suffix, "running_mean");
  EXPECT_EQ(ps[2].init, ir::ParamInit::Zeros);
  EXPECT_EQ(ps[3].suffix, "running_var");
  EXPECT_EQ(ps[3].init, ir::ParamInit::Ones);
  EXPECT_EQ(h.attrs("batchnorm", {}).get_float("momentum"), 0.1);
  EXPECT_THROW(h.infer("batchnorm", x, {{"eps", -1.0}}), ir::AttrError);
  EXPECT_THROW(h.infer("batchnorm", x, {{"momentum", 2.0}}), ir::AttrError);
  try {
    h.infer("batchnorm", {ir::kBatch}, {});
    FAIL() << "no channel axis";
  } catch (const ir::OpError& e) {
    EXPECT_EQ(e.input, 0);
  }
}

}  // namespace
}  // namespace cnnc
