// local2d: unshared weights per output position, parameter shapes that follow
// the inferred output, and equivalence with conv2d when every position holds
// the conv's weights.
#include <gtest/gtest.h>

#include "tests/backends/test_util.h"

namespace cnnc {
namespace {

using test_util::Attrs;
using test_util::tensors_near;
using Ints = std::vector<int64_t>;

class Local : public ::testing::Test {
 protected:
  test_util::Harness h;
};

TEST_F(Local, EachPositionHasItsOwnWeights) {
  ir::Tensor x({1, 1, 3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9});
  // Weight [OH=2, OW=2, K=1, C=1, 2, 2]: sum; top-left tap; bottom-right tap; +-+-.
  ir::Tensor w({2, 2, 1, 1, 2, 2}, {1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 1, 1, -1, 1, -1});
  ir::Tensor bias({1, 2, 2}, {10, 20, 30, 40});
  // 1+2+4+5 = 12; x[0][1] = 2; x[2][1] = 8; 5-6+8-9 = -2; then the per-position bias.
  ir::Tensor want({1, 1, 2, 2}, {22, 22, 38, 38});
  EXPECT_TRUE(
      tensors_near(h.run("local2d", x, {{"filters", 1}, {"kernel", 2}}, {w, bias}), want, 1e-6));
}

TEST_F(Local, ParametersFollowTheOutputSize) {
  ir::Shape x{ir::kBatch, 3, 8, 8};
  Attrs a{{"filters", 4}, {"kernel", 3}};
  auto ps = h.params("local2d", x, a);
  ASSERT_EQ(ps.size(), 2u);
  EXPECT_EQ(ps[0].shape, (ir::Shape{6, 6, 4, 3, 3, 3}));
  EXPECT_EQ(ps[1].shape, (ir::Shape{4, 6, 6}));
  EXPECT_EQ(ps[0].fan_in, 27);
  EXPECT_EQ(h.param_count("local2d", x, a), 3888 + 144);
  Attrs strided{{"filters", 4}, {"kernel", 3}, {"stride", 2}, {"pad", 1}, {"bias", false}};
  EXPECT_EQ(h.infer("local2d", x, strided)[0], (ir::Shape{ir::kBatch, 4, 4, 4}));
  EXPECT_EQ(h.params("local2d", x, strided)[0].shape, (ir::Shape{4, 4, 4, 3, 3, 3}));
  EXPECT_EQ(h.macs("local2d", x, strided), 4 * 4 * 4 * 27);
}

TEST_F(Local, Errors) {
  ir::Shape x{ir::kBatch, 3, 4, 4};
  try {
    h.infer("local2d", x, {{"filters", 2}, {"kernel", 5}});
    FAIL() << "kernel 5 on a 4x4 input";
  } catch (const ir::OpError& e) {
    EXPECT_EQ(e.attr, "kernel");
  }
  EXPECT_THROW(h.infer("local2d", x, {{"filters", 2}, {"kernel", 3}, {"pad", std::string("same")}}),
               ir::AttrError);
  EXPECT_THROW(h.infer("local2d", x, {{"filters", 0}, {"kernel", 3}}), ir::AttrError);
  try {
    h.infer("local2d", {ir::kBatch, 3, 4}, {{"filters", 2}, {"kernel", 3}});
    FAIL() << "rank-3 input";
  } catch (const ir::OpError& e) {
    EXPECT_EQ(e.input, 0);
  }
}

TEST_F(Local, WithTiledConvWeightsEqualsConv) {
  using test_util::random_int;
  std::mt19937 rng(99);
  const std::vector<std::string> acts{"none", "relu", "tanh", "leaky_relu"};
  for (int trial = 0; trial < 25; ++trial) {
    ir::Shape xs{random_int(rng, 1, 2), random_int(rng, 1, 3), random_int(rng, 3, 8),
                 random_int(rng, 3, 8)};
    Attrs a{{"filters", random_int(rng, 1, 3)},
            {"kernel", Ints{random_int(rng, 1, 3), random_int(rng, 1, 3)}},
            {"stride", Ints{random_int(rng, 1, 2), random_int(rng, 1, 2)}},
            {"pad", Ints{random_int(rng, 0, 1), random_int(rng, 0, 1)}},
            {"act", acts[static_cast<size_t>(trial) % acts.size()]}};
    auto conv_params = h.random_params("conv2d", xs, a, rng);
    const ir::Tensor &cw = conv_params[0], &cb = conv_params[1];
    auto shapes = h.params("local2d", xs, a);
    ir::Tensor lw(shapes[0].shape), lb(shapes[1].shape);
    const int64_t positions = shapes[0].shape[0] * shapes[0].shape[1];
    for (int64_t p = 0; p < positions; ++p)
      for (int64_t i = 0; i < cw.size(); ++i) lw[p * cw.size() + i] = cw[i];
    for (int64_t k = 0; k < cb.size(); ++k)
      for (int64_t p = 0; p < positions; ++p) lb[k * positions + p] = cb[k];
    ir::Tensor x = test_util::random_tensor(xs, rng);
    ASSERT_TRUE(tensors_near(h.run("local2d", x, a, {lw, lb}), h.run("conv2d", x, a, conv_params),
                             1e-5, h.attrs("local2d", a)))
        << "trial " << trial << " input " << ir::to_string(xs);
  }
}

}  // namespace
}  // namespace cnnc
