#include "tests/backends/simple_ops_util.h"

namespace cnnc::testing {
namespace {

using ir::kBatch;
using ir::Shape;
using ir::Tensor;

TEST(Flatten, NchwToNByCHW) {
  OpEnv env;
  EXPECT_EQ(env.infer("flatten", {Shape{kBatch, 16, 5, 5}})[0], Shape({kBatch, 400}));
  std::vector<float> v(2 * 2 * 1 * 3);
  for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<float>(i);
  expect_near(env.run1("flatten", {Tensor(Shape{2, 2, 1, 3}, v)}), Shape{2, 6}, v, 0);
  EXPECT_EQ(env.def("flatten").kind, ir::PatternKind::Injective);
}

TEST(Flatten, OtherAxesOnConcreteShapes) {
  OpEnv env;
  EXPECT_EQ(env.infer("flatten", {Shape{2, 3, 4, 5}}, {{"axis", int64_t{2}}})[0], Shape({6, 20}));
  EXPECT_EQ(env.infer("flatten", {Shape{2, 3, 4, 5}}, {{"axis", int64_t{0}}})[0], Shape({1, 120}));
  EXPECT_EQ(env.infer("flatten", {Shape{2, 3, 4, 5}}, {{"axis", int64_t{4}}})[0], Shape({120, 1}));
  EXPECT_EQ(env.infer("flatten", {Shape{2, 3, 4, 5}}, {{"axis", int64_t{-1}}})[0], Shape({24, 5}));
}

TEST(Flatten, CannotMergeSymbolicBatch) {
  OpEnv env;
  try {
    env.infer("flatten", {Shape{kBatch, 3, 4}}, {{"axis", int64_t{2}}});
    FAIL() << "no error";
  } catch (const ir::OpError& e) {
    EXPECT_EQ(e.attr, "axis");
    EXPECT_NE(std::string(e.what()).find("batch"), std::string::npos) << e.what();
  }
  EXPECT_THROW(env.infer("flatten", {Shape{kBatch, 3}}, {{"axis", int64_t{3}}}), ir::OpError);
}

}  // namespace
}  // namespace cnnc::testing
