#include "tests/backends/simple_ops_util.h"

namespace cnnc::testing {
namespace {

using ir::kBatch;
using ir::Shape;
using ir::Tensor;

TEST(Binary, SameShapes) {
  OpEnv env;
  Tensor a(Shape{2, 2}, {1, 2, 3, 4});
  Tensor b(Shape{2, 2}, {10, 20, 30, 40});
  expect_near(env.run1("add", {a, b}), Shape{2, 2}, {11, 22, 33, 44}, 0);
  expect_near(env.run1("mul", {a, b}), Shape{2, 2}, {10, 40, 90, 160}, 0);
  EXPECT_EQ(env.def("add").kind, ir::PatternKind::Broadcast);
}

TEST(Binary, ThreeInputs) {
  OpEnv env;
  Tensor a(Shape{3}, {1, 2, 3}), b(Shape{3}, {4, 5, 6}), c(Shape{3}, {-1, 0, 2});
  expect_near(env.run1("add", {a, b, c}), Shape{3}, {4, 7, 11}, 0);
  expect_near(env.run1("mul", {a, b, c}), Shape{3}, {-4, 0, 36}, 0);
}

TEST(Binary, SqueezeExcitationScale) {
  OpEnv env;
  // [1, 2, 1, 1] * [1, 2, 2, 2]: each channel scaled by its own factor.
  Tensor scale(Shape{1, 2, 1, 1}, {2, -1});
  Tensor x(Shape{1, 2, 2, 2}, {1, 2, 3, 4, 5, 6, 7, 8});
  expect_near(env.run1("mul", {scale, x}), Shape{1, 2, 2, 2}, {2, 4, 6, 8, -5, -6, -7, -8}, 0);
  expect_near(env.run1("mul", {x, scale}), Shape{1, 2, 2, 2}, {2, 4, 6, 8, -5, -6, -7, -8}, 0);
  EXPECT_EQ(env.infer("mul", {Shape{kBatch, 64, 1, 1}, Shape{kBatch, 64, 14, 14}})[0],
            Shape({kBatch, 64, 14, 14}));
}

TEST(Binary, BroadcastsBothWaysAndAcrossRanks) {
  OpEnv env;
  // [2, 1] + [3] -> [2, 3]: an outer sum.
  Tensor col(Shape{2, 1}, {10, 20});
  Tensor row(Shape{3}, {1, 2, 3});
  expect_near(env.run1("add", {col, row}), Shape{2, 3}, {11, 12, 13, 21, 22, 23}, 0);
  // A per-channel bias [2, 1, 1] against [1, 2, 1, 2].
  Tensor bias(Shape{2, 1, 1}, {100, 200});
  Tensor x(Shape{1, 2, 1, 2}, {1, 2, 3, 4});
  expect_near(env.run1("add", {x, bias}), Shape{1, 2, 1, 2}, {101, 102, 203, 204}, 0);
  EXPECT_EQ(env.infer("add", {Shape{kBatch, 1, 5}, Shape{4, 1}})[0], Shape({kBatch, 4, 5}));
}

TEST(Binary, IncompatibleShapesNameOperandAndShapes) {
  OpEnv env;
  try {
    env.infer("add", {Shape{kBatch, 3, 8, 8}, Shape{kBatch, 3, 8, 8}, Shape{kBatch, 4, 8, 8}});
    FAIL() << "no error";
  } catch (const ir::OpError& e) {
    std::string msg = e.what();
    EXPECT_EQ(e.input, 2);
    EXPECT_NE(msg.find("[N, 4, 8, 8]"), std::string::npos) << msg;
    EXPECT_NE(msg.find("[N, 3, 8, 8]"), std::string::npos) << msg;
  }
  // The symbolic batch only broadcasts against 1.
  EXPECT_THROW(env.infer("mul", {Shape{kBatch, 3}, Shape{2, 3}}), ir::OpError);
  EXPECT_EQ(env.def("mul").min_inputs, 2);
}

TEST(Binary, MacsCountOnePerElementPerExtraOperand) {
  OpEnv env;
  std::vector<Shape> ins{Shape{kBatch, 2, 3}, Shape{kBatch, 2, 3}, Shape{1}};
  ir::AttrMap attrs;
  auto outs = env.def("add").infer(ir::OpContext{attrs, ins, ins.size()});
  EXPECT_EQ(env.def("add").macs(ir::OpContext{attrs, ins, ins.size()}, outs), 12);
}

}  // namespace
}  // namespace cnnc::testing
