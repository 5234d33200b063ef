// conv_transpose2d: hand-computed upsampling, shape rules and errors, and the
// defining property checked on random shapes: with the same weights it is
// the adjoint of conv2d, <conv(x), y> == <x, conv_transpose(y)>.
#include <gtest/gtest.h>

#include "tests/backends/test_util.h"

namespace cnnc {
namespace {

using test_util::Attrs;
using test_util::tensors_near;
using Ints = std::vector<int64_t>;

class ConvTranspose : public ::testing::Test {
 protected:
  test_util::Harness h;
};

TEST_F(ConvTranspose, StrideTwoPlacesOneScaledKernelPerInput) {
  ir::Tensor x({1, 1, 2, 2}, {1, 2, 3, 4});
  ir::Tensor w({1, 1, 2, 2}, {1, 2, 3, 4});
  // Block (i, j) of the 4x4 output is x[i][j] * w.
  ir::Tensor want({1, 1, 4, 4}, {1, 2, 2, 4, 3, 4, 6, 8, 3, 6, 4, 8, 9, 12, 12, 16});
  Attrs a{{"filters", 1}, {"kernel", 2}, {"stride", 2}, {"bias", false}};
  EXPECT_TRUE(tensors_near(h.run("conv_transpose2d", x, a, {w}), want, 1e-6));
}

TEST_F(ConvTranspose, OverlapsAddThenPaddingCrops) {
  ir::Tensor x({1, 1, 1, 2}, {1, 2});
  ir::Tensor w({1, 1, 1, 2}, {1, 1});
  ir::Tensor bias({1}, {1});
  // Stride 1: (1, 1+2, 2), plus the bias.
  Attrs a{{"filters", 1}, {"kernel", Ints{1, 2}}};
  EXPECT_TRUE(tensors_near(h.run("conv_transpose2d", x, a, {w, bias}),
                           ir::Tensor({1, 1, 1, 3}, {2, 4, 3}), 1e-6));
  // pad=[0, 1] crops one column from each side of the width.
  a["pad"] = Ints{0, 1};
  EXPECT_TRUE(tensors_near(h.run("conv_transpose2d", x, a, {w, bias}),
                           ir::Tensor({1, 1, 1, 1}, {4}), 1e-6));
}

TEST_F(ConvTranspose, GroupsMapChannelsBlockwise) {
  // Two groups, one input and two output channels each: weight [C=2, K/g=2, 1, 1].
  ir::Tensor x({1, 2, 1, 1}, {2, 3});
  ir::Tensor w({2, 2, 1, 1}, {1, 10, 100, 1000});
  Attrs a{{"filters", 4}, {"kernel", 1}, {"groups", 2}, {"bias", false}};
  EXPECT_TRUE(tensors_near(h.run("conv_transpose2d", x, a, {w}),
                           ir::Tensor({1, 4, 1, 1}, {2, 20, 300, 3000}), 1e-6));
}

TEST_F(ConvTranspose, OutputSizeFormulaAndParameters) {
  ir::Shape x{ir::kBatch, 16, 7, 9};
  // (in-1)*stride - 2*pad + dilation*(k-1) + output_padding + 1
  EXPECT_EQ(
      h.infer("conv_transpose2d", x, {{"filters", 8}, {"kernel", 4}, {"stride", 2}, {"pad", 1}})[0],
      (ir::Shape{ir::kBatch, 8, 14, 18}));
  EXPECT_EQ(h.infer("conv_transpose2d", x,
                    {{"filters", 8},
                     {"kernel", 3},
                     {"stride", 2},
                     {"pad", 1},
                     {"output_padding", Ints{1, 0}}})[0],
            (ir::Shape{ir::kBatch, 8, 14, 17}));
  EXPECT_EQ(h.infer("conv_transpose2d", x, {{"filters", 8}, {"kernel", 3}, {"dilation", 2}})[0],
            (ir::Shape{ir::kBatch, 8, 11, 13}));
  // nn.ConvTranspose2d(16, 8, 4): weight [16, 8, 4, 4] and 8 biases.
  auto ps = h.params("conv_transpose2d", x, {{"filters", 8}, {"kernel", 4}});
  ASSERT_EQ(ps.size(), 2u);
  EXPECT_EQ(ps[0].shape, (ir::Shape{16, 8, 4, 4}));
  EXPECT_EQ(h.param_count("conv_transpose2d", x, {{"filters", 8}, {"kernel", 4}}), 2056);
  EXPECT_EQ(h.param_count("conv_transpose2d", x,
                          {{"filters", 8}, {"kernel", 4}, {"groups", 4}, {"bias", false}}),
            16 * 2 * 16);
}

TEST_F(ConvTranspose, Errors) {
  ir::Shape x{ir::kBatch, 4, 5, 5};
  try {
    h.infer("conv_transpose2d", x,
            {{"filters", 4}, {"kernel", 3}, {"stride", 2}, {"output_padding", 2}});
    FAIL() << "output_padding 2 is not smaller than stride 2 or dilation 1";
  } catch (const ir::OpError& e) {
    EXPECT_EQ(e.attr, "output_padding");
  }
  // Smaller than the dilation is enough, as in PyTorch.
  EXPECT_NO_THROW(h.infer("conv_transpose2d", x,
                          {{"filters", 4}, {"kernel", 3}, {"dilation", 2}, {"output_padding", 1}}));
  try {
    h.infer("conv_transpose2d", {ir::kBatch, 4, 1, 1}, {{"filters", 4}, {"kernel", 1}, {"pad", 1}});
    FAIL() << "output size -1";
  } catch (const ir::OpError& e) {
    EXPECT_EQ(e.attr, "pad");
  }
  EXPECT_THROW(
      h.infer("conv_transpose2d", x, {{"filters", 4}, {"kernel", 3}, {"pad", std::string("same")}}),
      ir::AttrError);
  EXPECT_THROW(h.infer("conv_transpose2d", x, {{"filters", 4}, {"kernel", 3}, {"stride", 0}}),
               ir::AttrError);
  try {
    h.infer("conv_transpose2d", x, {{"filters", 4}, {"kernel", 3}, {"groups", 3}});
    FAIL() << "groups 3 does not divide 4 channels";
  } catch (const ir::OpError& e) {
    EXPECT_EQ(e.attr, "groups");
  }
}

TEST_F(ConvTranspose, IsTheAdjointOfConvOnRandomShapes) {
  using test_util::random_int;
  std::mt19937 rng(2024);
  int checked = 0;
  while (checked < 40) {
    const int64_t groups = random_int(rng, 1, 2);
    const int64_t c = groups * random_int(rng, 1, 3), k = groups * random_int(rng, 1, 3);
    ir::Shape xs{random_int(rng, 1, 2), c, random_int(rng, 1, 9), random_int(rng, 1, 9)};
    Ints kernel{random_int(rng, 1, 3), random_int(rng, 1, 3)},
        stride{random_int(rng, 1, 3), random_int(rng, 1, 3)},
        dilation{random_int(rng, 1, 2), random_int(rng, 1, 2)}, pad(4);
    for (size_t i = 0; i < 4; ++i) pad[i] = random_int(rng, 0, kernel[i % 2] - 1);
    Ints output_padding(2);
    bool fits = true;
    for (size_t a = 0; a < 2; ++a) {
      int64_t span = xs[a + 2] + pad[a] + pad[a + 2] - dilation[a] * (kernel[a] - 1) - 1;
      fits = fits && span >= 0;
      // What conv's floor dropped, given back so the transpose's output is x's size.
      output_padding[a] = span >= 0 ? span % stride[a] : 0;
    }
    if (!fits) continue;
    Attrs conv{{"filters", k}, {"kernel", kernel}, {"stride", stride}, {"dilation", dilation},
               {"pad", pad},   {"groups", groups}, {"bias", false}};
    Attrs transposed = conv;
    transposed["filters"] = c;
    transposed["output_padding"] = output_padding;

    auto w = h.random_params("conv2d", xs, conv, rng);
    ir::Tensor x = test_util::random_tensor(xs, rng);
    ir::Tensor cx = h.run("conv2d", x, conv, w);
    ir::Tensor y = test_util::random_tensor(cx.shape(), rng);
    ir::Tensor ty = h.run("conv_transpose2d", y, transposed, w);
    ASSERT_EQ(ty.shape(), x.shape())
        << test_util::describe(h.attrs("conv_transpose2d", transposed));
    const double lhs = test_util::dot(cx, y), rhs = test_util::dot(x, ty);
    EXPECT_NEAR(lhs, rhs, 1e-4 * std::max(1.0, std::abs(lhs)))
        << "input " << ir::to_string(xs)
        << test_util::describe(h.attrs("conv_transpose2d", transposed));
    // Same products, counted from the other side.
    EXPECT_EQ(h.macs("conv2d", xs, conv), h.macs("conv_transpose2d", cx.shape(), transposed));
    ++checked;
  }
}

}  // namespace
}  // namespace cnnc
