// maxpool, avgpool, l2pool: hand-computed windows including PyTorch's
// ceil_mode and count_include_pad rules, shape rules and errors, and a random
// 2-D sweep against pooling over an explicitly padded copy of the input.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "tests/backends/test_util.h"

namespace cnnc {
namespace {

using test_util::Attrs;
using test_util::tensors_near;
using Ints = std::vector<int64_t>;

class Pool : public ::testing::Test {
 protected:
  test_util::Harness h;
  ir::Tensor one_to(int64_t n) {
    ir::Tensor t({1, 1, n});
    for (int64_t i = 0; i < n; ++i) t[i] = float(i + 1);
    return t;
  }
};

TEST_F(Pool, MaxTwoByTwoStrideDefaultsToKernel) {
  ir::Tensor x({1, 1, 4, 4}, {1, 5, 2, 0, 3, 4, 8, 1, -1, -2, -3, -4, 0, -5, 6, 7});
  EXPECT_TRUE(tensors_near(h.run("maxpool", x, {{"kernel", 2}}),
                           ir::Tensor({1, 1, 2, 2}, {5, 8, 0, 7}), 0));
  EXPECT_TRUE(tensors_near(h.run("avgpool", x, {{"kernel", 2}}),
                           ir::Tensor({1, 1, 2, 2}, {3.25f, 2.75f, -2, 1.5f}), 1e-6));
  // sqrt(1+25+9+16), sqrt(4+0+64+1), sqrt(1+4+0+25), sqrt(9+16+36+49)
  EXPECT_TRUE(tensors_near(h.run("l2pool", x, {{"kernel", 2}}),
                           ir::Tensor({1, 1, 2, 2}, {std::sqrt(51.0f), std::sqrt(69.0f),
                                                     std::sqrt(30.0f), std::sqrt(110.0f)}),
                           1e-6));
}

TEST_F(Pool, MaxPaddingIsMinusInfinityNotZero) {
  ir::Tensor x({1, 1, 3}, {-1, -2, -3});
  // Windows [pad, -1] and [-2, -3].
  EXPECT_TRUE(tensors_near(h.run("maxpool", x, {{"kernel", 2}, {"pad", 1}}),
                           ir::Tensor({1, 1, 2}, {-1, -2}), 0));
}

TEST_F(Pool, DilatedMax) {
  ir::Tensor x({1, 1, 5}, {1, 5, 2, 7, 3});
  // Taps two apart: max(1,2), max(5,7), max(2,3).
  EXPECT_TRUE(tensors_near(h.run("maxpool", x, {{"kernel", 2}, {"stride", 1}, {"dilation", 2}}),
                           ir::Tensor({1, 1, 3}, {2, 7, 3}), 0));
}

TEST_F(Pool, AveragePaddingDivisors) {
  // x = 1..5, kernel 3, stride 2, pad 1: windows [pad,1,2], [2,3,4], [4,5,pad].
  ir::Tensor x = one_to(5);
  Attrs a{{"kernel", 3}, {"stride", 2}, {"pad", 1}};
  EXPECT_TRUE(tensors_near(h.run("avgpool", x, a), ir::Tensor({1, 1, 3}, {1.5f, 3, 4.5f}), 1e-6));
  a["count_include_pad"] = true;
  EXPECT_TRUE(tensors_near(h.run("avgpool", x, a), ir::Tensor({1, 1, 3}, {1, 3, 3}), 1e-6));
  EXPECT_TRUE(tensors_near(
      h.run("l2pool", x, {{"kernel", 3}, {"stride", 2}, {"pad", 1}}),
      ir::Tensor({1, 1, 3}, {std::sqrt(5.0f), std::sqrt(29.0f), std::sqrt(41.0f)}), 1e-6));
}

TEST_F(Pool, CeilModeKeepsAPartialLastWindow) {
  // x = 1..5, kernel 2, stride 2: floor gives [1,2], [3,4]; ceil adds [5].
  ir::Tensor x = one_to(5);
  EXPECT_TRUE(tensors_near(h.run("avgpool", x, {{"kernel", 2}}),
                           ir::Tensor({1, 1, 2}, {1.5f, 3.5f}), 1e-6));
  EXPECT_TRUE(tensors_near(h.run("avgpool", x, {{"kernel", 2}, {"ceil_mode", true}}),
                           ir::Tensor({1, 1, 3}, {1.5f, 3.5f, 5}), 1e-6));
  // The partial window lies beyond the input, not in padding: the divisor stays 1.
  EXPECT_TRUE(tensors_near(
      h.run("avgpool", x, {{"kernel", 2}, {"ceil_mode", true}, {"count_include_pad", true}}),
      ir::Tensor({1, 1, 3}, {1.5f, 3.5f, 5}), 1e-6));
  EXPECT_TRUE(tensors_near(h.run("maxpool", x, {{"kernel", 2}, {"ceil_mode", true}}),
                           ir::Tensor({1, 1, 3}, {2, 4, 5}), 0));
  EXPECT_TRUE(tensors_near(h.run("l2pool", x, {{"kernel", 2}, {"ceil_mode", true}}),
                           ir::Tensor({1, 1, 3}, {std::sqrt(5.0f), 5, 5}), 1e-6));
}

TEST_F(Pool, CeilModeWithPaddingCountsPaddingButNotBeyondIt) {
  // x = 1..6, kernel 3, stride 2, pad 1, ceil: windows start at -1, 1, 3, 5;
  // the last covers [6, pad, beyond]: PyTorch divides by 2 with count_include_pad.
  ir::Tensor x = one_to(6);
  Attrs a{{"kernel", 3}, {"stride", 2}, {"pad", 1}, {"ceil_mode", true}};
  EXPECT_TRUE(tensors_near(h.run("avgpool", x, a), ir::Tensor({1, 1, 4}, {1.5f, 3, 5, 6}), 1e-6));
  a["count_include_pad"] = true;
  EXPECT_TRUE(tensors_near(h.run("avgpool", x, a), ir::Tensor({1, 1, 4}, {1, 3, 5, 3}), 1e-6));
  a.erase("count_include_pad");
  EXPECT_TRUE(tensors_near(h.run("maxpool", x, a), ir::Tensor({1, 1, 4}, {2, 4, 6, 6}), 0));
  // Without ceil_mode: 3 windows.
  a.erase("ceil_mode");
  EXPECT_TRUE(tensors_near(h.run("maxpool", x, a), ir::Tensor({1, 1, 3}, {2, 4, 6}), 0));
}

TEST_F(Pool, ThreeDimensional) {
  ir::Tensor x({1, 2, 2, 2, 2}, {1, 2, 3, 4, 5, 6, 7, 8, -8, -7, -6, -5, -4, -3, -2, -1});
  EXPECT_TRUE(tensors_near(h.run("avgpool", x, {{"kernel", 2}}),
                           ir::Tensor({1, 2, 1, 1, 1}, {4.5f, -4.5f}), 1e-6));
  EXPECT_TRUE(
      tensors_near(h.run("maxpool", x, {{"kernel", 2}}), ir::Tensor({1, 2, 1, 1, 1}, {8, -1}), 0));
  EXPECT_EQ(h.infer("maxpool", {ir::kBatch, 3, 9, 8, 7},
                    {{"kernel", Ints{3, 2, 2}}, {"stride", Ints{2, 2, 1}}})[0],
            (ir::Shape{ir::kBatch, 3, 4, 4, 6}));
}

TEST_F(Pool, ShapeRules) {
  ir::Shape x{ir::kBatch, 64, 112, 112};
  // ResNet's stem pool: kernel 3, stride 2, pad 1.
  EXPECT_EQ(h.infer("maxpool", x, {{"kernel", 3}, {"stride", 2}, {"pad", 1}})[0],
            (ir::Shape{ir::kBatch, 64, 56, 56}));
  // AlexNet: 55 -> 27. GoogLeNet pools with ceil_mode: 112 -> 56, where floor gives 55.
  // both.
  EXPECT_EQ(h.infer("maxpool", {ir::kBatch, 96, 55, 55}, {{"kernel", 3}, {"stride", 2}})[0],
            (ir::Shape{ir::kBatch, 96, 27, 27}));
  EXPECT_EQ(h.infer("maxpool", {ir::kBatch, 64, 112, 112},
                    {{"kernel", 3}, {"stride", 2}, {"ceil_mode", true}})[0],
            (ir::Shape{ir::kBatch, 64, 56, 56}));
  EXPECT_EQ(h.infer("maxpool", {ir::kBatch, 64, 112, 112}, {{"kernel", 3}, {"stride", 2}})[0],
            (ir::Shape{ir::kBatch, 64, 55, 55}));
  // ceil_mode never starts a window in the right padding: 5 + pad 1, kernel 2, stride 2 -> 3,
  // not 4.
  EXPECT_EQ(
      h.infer("avgpool", {ir::kBatch, 1, 5}, {{"kernel", 2}, {"pad", 1}, {"ceil_mode", true}})[0],
      (ir::Shape{ir::kBatch, 1, 3}));
  EXPECT_EQ(h.macs("maxpool", x, {{"kernel", 2}}), 0);
  EXPECT_EQ(h.macs("l2pool", x, {{"kernel", 2}}), 64 * 56 * 56 * 4);
  EXPECT_TRUE(h.params("avgpool", x, {{"kernel", 2}}).empty());
}

TEST_F(Pool, Errors) {
  ir::Shape x{ir::kBatch, 3, 8, 8};
  try {
    h.infer("maxpool", x, {{"kernel", 2}, {"pad", 2}});
    FAIL() << "pad 2 is more than half of kernel 2";
  } catch (const ir::OpError& e) {
    EXPECT_EQ(e.attr, "pad");
  }
  EXPECT_NO_THROW(h.infer("maxpool", x, {{"kernel", 2}, {"pad", 1}}));
  EXPECT_THROW(h.infer("avgpool", x, {{"kernel", 0}}), ir::AttrError);
  EXPECT_THROW(h.infer("avgpool", x, {{"kernel", 2}, {"stride", 0}}), ir::AttrError);
  EXPECT_THROW(h.infer("avgpool", x, {}), ir::AttrError);  // kernel is required
  EXPECT_THROW(h.infer("avgpool", x, {{"kernel", 2}, {"dilation", 2}}),
               std::invalid_argument);  // only maxpool declares dilation
  try {
    h.infer("maxpool", x, {{"kernel", 9}});
    FAIL() << "kernel 9 on 8x8";
  } catch (const ir::OpError& e) {
    EXPECT_EQ(e.attr, "kernel");
  }
  try {
    h.infer("maxpool", {ir::kBatch, 10}, {{"kernel", 2}});
    FAIL() << "rank-2 input";
  } catch (const ir::OpError& e) {
    EXPECT_EQ(e.input, 0);
  }
}

// Pooling over a copy of x padded explicitly (with -inf for max, 0 otherwise),
// every window fully inside it: no clipping logic to share with the kernel.
ir::Tensor pool_padded(const ir::Tensor& x, const std::string& op, const Ints& k, const Ints& s,
                       const Ints& p) {
  const int64_t planes = x.shape()[0] * x.shape()[1], H = x.shape()[2], W = x.shape()[3];
  const int64_t PH = H + 2 * p[0], PW = W + 2 * p[1];
  const int64_t OH = (PH - k[0]) / s[0] + 1, OW = (PW - k[1]) / s[1] + 1;
  const float fill = op == "maxpool" ? -std::numeric_limits<float>::infinity() : 0.0f;
  ir::Tensor y({x.shape()[0], x.shape()[1], OH, OW});
  for (int64_t q = 0; q < planes; ++q) {
    std::vector<float> padded(static_cast<size_t>(PH * PW), fill);
    for (int64_t i = 0; i < H; ++i)
      for (int64_t j = 0; j < W; ++j)
        padded[static_cast<size_t>((i + p[0]) * PW + j + p[1])] = x[(q * H + i) * W + j];
    for (int64_t oi = 0; oi < OH; ++oi)
      for (int64_t oj = 0; oj < OW; ++oj) {
        double acc = fill;
        for (int64_t a = 0; a < k[0]; ++a)
          for (int64_t b = 0; b < k[1]; ++b) {
            double v = padded[static_cast<size_t>((oi * s[0] + a) * PW + oj * s[1] + b)];
            acc = op == "maxpool" ? std::max(acc, v) : op == "avgpool" ? acc + v : acc + v * v;
          }
        if (op == "avgpool") acc /= double(k[0] * k[1]);
        if (op == "l2pool") acc = std::sqrt(acc);
        y[(q * OH + oi) * OW + oj] = static_cast<float>(acc);
      }
  }
  return y;
}

TEST_F(Pool, MatchesExplicitlyPaddedPoolingOnRandomShapes) {
  using test_util::random_int;
  std::mt19937 rng(31337);
  for (int trial = 0; trial < 40; ++trial) {
    Ints k{random_int(rng, 1, 4), random_int(rng, 1, 4)},
        s{random_int(rng, 1, 3), random_int(rng, 1, 3)},
        p{random_int(rng, 0, k[0] / 2), random_int(rng, 0, k[1] / 2)};
    ir::Shape xs{random_int(rng, 1, 2), random_int(rng, 1, 3), random_int(rng, k[0], 11),
                 random_int(rng, k[1], 11)};
    ir::Tensor x = test_util::random_tensor(xs, rng);
    for (std::string op : {"maxpool", "avgpool", "l2pool"}) {
      Attrs a{{"kernel", k}, {"stride", s}, {"pad", p}};
      if (op == "avgpool") a["count_include_pad"] = true;  // the padded copy's zeros count
      ASSERT_TRUE(tensors_near(h.run(op, x, a), pool_padded(x, op, k, s, p), 1e-5, h.attrs(op, a)))
          << op << " input " << ir::to_string(xs);
    }
  }
}

}  // namespace
}  // namespace cnnc
