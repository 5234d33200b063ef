#include "tests/backends/simple_ops_util.h"

namespace cnnc::testing {
namespace {

using ir::kBatch;
using ir::Shape;
using ir::Tensor;

TEST(Reshape, KeepsBatchAndInfersMinusOne) {
  OpEnv env;
  using Ints = std::vector<int64_t>;
  EXPECT_EQ(env.infer("reshape", {Shape{kBatch, 12}}, {{"shape", Ints{3, 4}}})[0],
            Shape({kBatch, 3, 4}));
  EXPECT_EQ(env.infer("reshape", {Shape{kBatch, 2, 3, 4}}, {{"shape", Ints{-1, 2}}})[0],
            Shape({kBatch, 12, 2}));
  EXPECT_EQ(env.infer("reshape", {Shape{kBatch, 2, 3}}, {{"shape", int64_t{6}}})[0],
            Shape({kBatch, 6}));
  std::vector<float> v{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
  expect_near(env.run1("reshape", {Tensor(Shape{2, 6}, v)}, {{"shape", Ints{3, -1}}}),
              Shape{2, 3, 2}, v, 0);
}

TEST(Reshape, ElementCountMismatchNamesBothShapes) {
  OpEnv env;
  try {
    env.infer("reshape", {Shape{kBatch, 4, 3}}, {{"shape", std::vector<int64_t>{5, 2}}});
    FAIL() << "no error";
  } catch (const ir::OpError& e) {
    std::string msg = e.what();
    EXPECT_EQ(e.attr, "shape");
    EXPECT_NE(msg.find("[N, 4, 3]"), std::string::npos) << msg;
    EXPECT_NE(msg.find("[N, 5, 2]"), std::string::npos) << msg;
  }
  // -1 that cannot divide evenly.
  EXPECT_THROW(env.infer("reshape", {Shape{kBatch, 7}}, {{"shape", std::vector<int64_t>{2, -1}}}),
               ir::OpError);
}

TEST(Reshape, BadShapeEntries) {
  OpEnv env;
  EXPECT_THROW(env.infer("reshape", {Shape{kBatch, 6}}, {{"shape", std::vector<int64_t>{-1, -1}}}),
               ir::OpError);
  EXPECT_THROW(env.infer("reshape", {Shape{kBatch, 6}}, {{"shape", std::vector<int64_t>{0, 6}}}),
               ir::OpError);
  EXPECT_FALSE(env.def("reshape").attrs.at(0).default_value.has_value());  // required
}

}  // namespace
}  // namespace cnnc::testing
