#include "tests/backends/simple_ops_util.h"

namespace cnnc::testing {
namespace {

using ir::kBatch;
using ir::Shape;
using ir::Tensor;

TEST(Concat, AlongChannels) {
  OpEnv env;
  // Two batch items; a has 1 channel, b has 2, each 1x2 spatially.
  Tensor a(Shape{2, 1, 1, 2}, {1, 2, 3, 4});
  Tensor b(Shape{2, 2, 1, 2}, {10, 20, 30, 40, 50, 60, 70, 80});
  expect_near(env.run1("concat", {a, b}), Shape{2, 3, 1, 2},
              {1, 2, 10, 20, 30, 40, 3, 4, 50, 60, 70, 80}, 0);
  EXPECT_EQ(env.infer("concat", {Shape{kBatch, 64, 28, 28}, Shape{kBatch, 32, 28, 28},
                                 Shape{kBatch, 16, 28, 28}})[0],
            Shape({kBatch, 112, 28, 28}));
}

TEST(Concat, LastAxisAndSingleInput) {
  OpEnv env;
  Tensor a(Shape{2, 2}, {1, 2, 3, 4});
  Tensor b(Shape{2, 1}, {5, 6});
  expect_near(env.run1("concat", {a, b}, {{"axis", int64_t{-1}}}), Shape{2, 3}, {1, 2, 5, 3, 4, 6},
              0);
  expect_near(env.run1("concat", {a}), Shape{2, 2}, {1, 2, 3, 4}, 0);
  EXPECT_EQ(env.def("concat").max_inputs, -1);
  EXPECT_EQ(env.def("concat").min_inputs, 1);
}

TEST(Concat, MismatchNamesTheOperandIndexAndBothShapes) {
  OpEnv env;
  try {
    env.infer("concat", {Shape{kBatch, 8, 4, 4}, Shape{kBatch, 8, 4, 4}, Shape{kBatch, 8, 5, 4}});
    FAIL() << "no error";
  } catch (const ir::OpError& e) {
    std::string msg = e.what();
    EXPECT_EQ(e.input, 2);
    EXPECT_NE(msg.find("[N, 8, 5, 4]"), std::string::npos) << msg;
    EXPECT_NE(msg.find("[N, 8, 4, 4]"), std::string::npos) << msg;
  }
  try {
    env.infer("concat", {Shape{kBatch, 8, 4, 4}, Shape{kBatch, 8, 4}});
    FAIL() << "no error";
  } catch (const ir::OpError& e) {
    EXPECT_EQ(e.input, 1);
  }
}

TEST(Concat, NotAlongTheSymbolicBatch) {
  OpEnv env;
  EXPECT_THROW(env.infer("concat", {Shape{kBatch, 3}, Shape{kBatch, 3}}, {{"axis", int64_t{0}}}),
               ir::OpError);
  EXPECT_EQ(env.infer("concat", {Shape{2, 3}, Shape{4, 3}}, {{"axis", int64_t{0}}})[0],
            Shape({6, 3}));
}

}  // namespace
}  // namespace cnnc::testing
