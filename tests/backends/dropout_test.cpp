#include "tests/backends/simple_ops_util.h"

namespace cnnc::testing {
namespace {

using ir::Shape;
using ir::Tensor;

TEST(Dropout, IsTheIdentityAtInference) {
  OpEnv env;
  Tensor x(Shape{2, 3}, {1.0f, -2.0f, 3.5f, 0.0f, 7.25f, -0.125f});
  expect_near(env.run1("dropout", {x}, {{"rate", 0.3}}), Shape{2, 3},
              {1.0f, -2.0f, 3.5f, 0.0f, 7.25f, -0.125f}, 0);
  EXPECT_EQ(env.infer("dropout", {Shape{ir::kBatch, 4, 2, 2}})[0], Shape({ir::kBatch, 4, 2, 2}));
}

TEST(Dropout, RateMustBeInZeroToOne) {
  OpEnv env;
  EXPECT_EQ(env.attrs("dropout").get_float("rate"), 0.5);
  EXPECT_NO_THROW(env.attrs("dropout", {{"rate", 0.0}}));
  EXPECT_THROW(env.attrs("dropout", {{"rate", 1.0}}), ir::AttrError);
  EXPECT_THROW(env.attrs("dropout", {{"rate", -0.1}}), ir::AttrError);
}

}  // namespace
}  // namespace cnnc::testing
