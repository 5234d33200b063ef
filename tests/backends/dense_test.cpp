// dense: hand-computed products, parameter counts as torchvision's, and the
// error that tells the user to flatten feature maps first.
#include <gtest/gtest.h>

#include "tests/backends/test_util.h"

namespace cnnc {
namespace {

using test_util::Attrs;
using test_util::tensors_near;

class Dense : public ::testing::Test {
 protected:
  test_util::Harness h;
};

TEST_F(Dense, HandComputed) {
  ir::Tensor x({2, 3}, {1, 2, 3, -1, 0, 1});
  ir::Tensor w({2, 3}, {1, 0, -1, 0.5f, 0.5f, 0.5f});
  ir::Tensor b({2}, {0.5f, -1});
  // Row 1: 1-3+0.5, 0.5*6-1; row 2: -1-1+0.5, 0-1.
  EXPECT_TRUE(tensors_near(h.run("dense", x, {{"units", 2}}, {w, b}),
                           ir::Tensor({2, 2}, {-1.5f, 2, -1.5f, -1}), 1e-6));
  EXPECT_TRUE(tensors_near(h.run("dense", x, {{"units", 2}, {"act", std::string("relu")}}, {w, b}),
                           ir::Tensor({2, 2}, {0, 2, 0, 0}), 1e-6));
  EXPECT_TRUE(tensors_near(h.run("dense", x, {{"units", 2}, {"bias", false}}, {w}),
                           ir::Tensor({2, 2}, {-2, 3, -2, 0}), 1e-6));
  EXPECT_TRUE(
      tensors_near(h.run("dense", x, {{"units", 2}, {"act", std::string("sigmoid")}}, {w, b}),
                   ir::Tensor({2, 2}, {0.1824255f, 0.8807971f, 0.1824255f, 0.2689414f}), 1e-6));
}

TEST_F(Dense, ParametersAndCost) {
  ir::Shape x{ir::kBatch, 512};
  Attrs fc{{"units", 1000}};
  EXPECT_EQ(h.infer("dense", x, fc)[0], (ir::Shape{ir::kBatch, 1000}));
  EXPECT_EQ(h.param_count("dense", x, fc), 513000);  // resnet18 fc
  EXPECT_EQ(h.macs("dense", x, fc), 512000);
  auto ps = h.params("dense", x, fc);
  ASSERT_EQ(ps.size(), 2u);
  EXPECT_EQ(ps[0].shape, (ir::Shape{1000, 512}));
  EXPECT_EQ(ps[0].init, ir::ParamInit::HeNormal);
  EXPECT_EQ(ps[0].fan_in, 512);
  EXPECT_EQ(ps[1].shape, (ir::Shape{1000}));
  EXPECT_EQ(ps[1].init, ir::ParamInit::Bias);
  EXPECT_EQ(h.param_count("dense", {ir::kBatch, 9216}, {{"units", 4096}}),
            37752832);  // alexnet fc6
}

TEST_F(Dense, FeatureMapsMustBeFlattenedFirst) {
  try {
    h.infer("dense", {ir::kBatch, 512, 1, 1}, {{"units", 10}});
    FAIL() << "dense on a rank-4 input";
  } catch (const ir::OpError& e) {
    EXPECT_EQ(e.input, 0);
    EXPECT_NE(std::string(e.what()).find("flatten"), std::string::npos) << e.what();
  }
  EXPECT_THROW(h.params("dense", {ir::kBatch, 4, 4}, {{"units", 10}}), ir::OpError);
  EXPECT_THROW(h.infer("dense", {ir::kBatch, 4}, {{"units", 0}}), ir::AttrError);
  EXPECT_THROW(h.infer("dense", {ir::kBatch, 4}, {}), ir::AttrError);  // units is required
}

}  // namespace
}  // namespace cnnc
