// conv1d/2d/3d: hand-computed cases, the course notes' worked examples, shape
// and parameter questions, errors, and a random sweep against an independent
// im2col + matrix product written here.
#include <gtest/gtest.h>

#include <numeric>

#include "tests/backends/test_util.h"

namespace cnnc {
namespace {

using test_util::Attrs;
using test_util::tensors_near;
using Ints = std::vector<int64_t>;

class Conv : public ::testing::Test {
 protected:
  test_util::Harness h;
};

// ---- the independent oracle ---------------------------------------------

struct ConvCase {
  ir::Shape input;  // N, C, spatial...
  int64_t filters = 1, groups = 1;
  Ints kernel, stride, dilation, pad_begin, pad_end;
  bool bias = true;

  Attrs attrs() const {
    Ints pad = pad_begin;
    pad.insert(pad.end(), pad_end.begin(), pad_end.end());
    return {{"filters", filters}, {"kernel", kernel}, {"stride", stride}, {"dilation", dilation},
            {"pad", pad},         {"groups", groups}, {"bias", bias}};
  }
};

int64_t product(const Ints& v) {
  return std::accumulate(v.begin(), v.end(), int64_t{1}, std::multiplies<>());
}

// Row-major multi-index of `flat` in `dims`.
Ints unravel(int64_t flat, const Ints& dims) {
  Ints idx(dims.size());
  for (size_t a = dims.size(); a-- > 0;) {
    idx[a] = flat % dims[a];
    flat /= dims[a];
  }
  return idx;
}

// Convolution as taught: lower every receptive field to a column (im2col),
// then one matrix product per group, W_g [K/g, C/g * taps] x cols [C/g * taps, P].
ir::Tensor im2col_conv(const ir::Tensor& x, const ir::Tensor& w, const ir::Tensor* b,
                       const ConvCase& c) {
  const size_t rank = c.kernel.size();
  const int64_t n_items = x.shape()[0], channels = x.shape()[1], filters = w.shape()[0];
  const int64_t cg = channels / c.groups, kg = filters / c.groups;
  Ints in(x.shape().dims.begin() + 2, x.shape().dims.end()), out(rank);
  for (size_t a = 0; a < rank; ++a)
    out[a] = (in[a] + c.pad_begin[a] + c.pad_end[a] - c.dilation[a] * (c.kernel[a] - 1) - 1) /
                 c.stride[a] +
             1;
  const int64_t taps = product(c.kernel), positions = product(out), in_elems = product(in);
  ir::Shape ys{n_items, filters};
  ys.dims.insert(ys.dims.end(), out.begin(), out.end());
  ir::Tensor y(ys);
  for (int64_t n = 0; n < n_items; ++n)
    for (int64_t g = 0; g < c.groups; ++g) {
      std::vector<double> cols(static_cast<size_t>(cg * taps * positions), 0.0);
      for (int64_t ch = 0; ch < cg; ++ch)
        for (int64_t t = 0; t < taps; ++t)
          for (int64_t p = 0; p < positions; ++p) {
            Ints kt = unravel(t, c.kernel), op = unravel(p, out);
            int64_t flat = 0;
            bool inside = true;
            for (size_t a = 0; a < rank; ++a) {
              int64_t pos = op[a] * c.stride[a] - c.pad_begin[a] + kt[a] * c.dilation[a];
              inside = inside && pos >= 0 && pos < in[a];
              flat = flat * in[a] + pos;
            }
            if (inside)
              cols[static_cast<size_t>((ch * taps + t) * positions + p)] =
                  x[(n * channels + g * cg + ch) * in_elems + flat];
          }
      for (int64_t kk = 0; kk < kg; ++kk) {
        const int64_t k = g * kg + kk;
        for (int64_t p = 0; p < positions; ++p) {
          double s = b ? (*b)[k] : 0.0;
          for (int64_t j = 0; j < cg * taps; ++j)
            s += double(w[k * cg * taps + j]) * cols[static_cast<size_t>(j * positions + p)];
          y[(n * filters + k) * positions + p] = static_cast<float>(s);
        }
      }
    }
  return y;
}

ConvCase random_case(size_t rank, std::mt19937& rng) {
  using test_util::random_int;
  const int64_t max_extent = rank == 1 ? 13 : rank == 2 ? 9 : 6;
  for (;;) {
    ConvCase c;
    c.groups = random_int(rng, 1, 3);
    c.input = ir::Shape{random_int(rng, 1, 2), c.groups * random_int(rng, 1, 3)};
    c.filters = c.groups * random_int(rng, 1, 3);
    c.bias = random_int(rng, 0, 1) == 1;
    bool fits = true;
    for (size_t a = 0; a < rank; ++a) {
      int64_t in = random_int(rng, 1, max_extent);
      c.input.dims.push_back(in);
      c.kernel.push_back(random_int(rng, 1, rank == 1 ? 4 : 3));
      c.stride.push_back(random_int(rng, 1, 3));
      c.dilation.push_back(random_int(rng, 1, 2));
      c.pad_begin.push_back(random_int(rng, 0, c.kernel[a]));
      c.pad_end.push_back(random_int(rng, 0, c.kernel[a]));
      fits = fits && c.dilation[a] * (c.kernel[a] - 1) + 1 <= in + c.pad_begin[a] + c.pad_end[a];
    }
    if (fits) return c;
  }
}

class ConvSweep : public Conv, public ::testing::WithParamInterface<size_t> {};

TEST_P(ConvSweep, MatchesIm2colMatmulOnRandomShapes) {
  const size_t rank = GetParam();
  const std::string op = fmt::format("conv{}d", rank);
  std::mt19937 rng(1234 + static_cast<unsigned>(rank));
  for (int trial = 0; trial < 30; ++trial) {
    ConvCase c = random_case(rank, rng);
    auto attrs = c.attrs();
    auto params = h.random_params(op, c.input, attrs, rng);
    ir::Tensor x = test_util::random_tensor(c.input, rng);
    ir::Tensor want = im2col_conv(x, params[0], c.bias ? &params[1] : nullptr, c);
    ir::Tensor got = h.run(op, x, attrs, params);
    ASSERT_TRUE(tensors_near(got, want, 1e-5, h.attrs(op, attrs)))
        << op << " trial " << trial << " input " << ir::to_string(c.input);
    // The declared cost is the oracle's matrix product size.
    EXPECT_EQ(h.macs(op, c.input, attrs),
              want.size() / c.input[0] * (c.input[1] / c.groups) * product(c.kernel));
  }
}

INSTANTIATE_TEST_SUITE_P(Conv, ConvSweep, ::testing::Values(1, 2, 3),
                         [](const auto& info) { return fmt::format("conv{}d", info.param); });

// ---- hand-computed cases -------------------------------------------------

TEST_F(Conv, TwoDimensionalWithBiasAndRelu) {
  ir::Tensor x({1, 1, 3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9});
  ir::Tensor w({1, 1, 2, 2}, {1, 2, 3, 4});
  // 1*1+2*2+4*3+5*4 = 37, then 47, 67, 77; bias -50 and relu clip the first row.
  ir::Tensor want({1, 1, 2, 2}, {0, 0, 17, 27});
  Attrs a{{"filters", 1}, {"kernel", 2}, {"act", std::string("relu")}};
  EXPECT_TRUE(tensors_near(h.run("conv2d", x, a, {w, ir::Tensor({1}, {-50})}), want, 1e-6));
}

TEST_F(Conv, StrideTwoWithPadding) {
  ir::Tensor x({1, 1, 3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9});
  ir::Tensor w({1, 1, 2, 2}, {1, 2, 3, 4});
  // Windows start at -1 and 1 on each axis: 4*1; 3*2+4*3; 2*4+4*7; 1*5+2*6+3*8+4*9.
  ir::Tensor want({1, 1, 2, 2}, {4, 18, 36, 77});
  Attrs a{{"filters", 1}, {"kernel", 2}, {"stride", 2}, {"pad", 1}, {"bias", false}};
  EXPECT_TRUE(tensors_near(h.run("conv2d", x, a, {w}), want, 1e-6));
}

TEST_F(Conv, DilatedOneDimensional) {
  ir::Tensor x({1, 1, 5}, {1, 2, 3, 4, 5});
  ir::Tensor w({1, 1, 2}, {2, 1});
  // Taps two apart: 2*x[i] + x[i+2].
  ir::Tensor want({1, 1, 3}, {5, 8, 11});
  Attrs a{{"filters", 1}, {"kernel", 2}, {"dilation", 2}, {"bias", false}};
  EXPECT_TRUE(tensors_near(h.run("conv1d", x, a, {w}), want, 1e-6));
}

TEST_F(Conv, DepthwiseGroupsKeepChannelsApart) {
  ir::Tensor x({1, 2, 3}, {1, 2, 3, 10, 20, 30});
  ir::Tensor w({2, 1, 2}, {1, 1, 1, -1});
  ir::Tensor want({1, 2, 2}, {3, 5, -10, -10});
  Attrs a{{"filters", 2}, {"kernel", 2}, {"groups", 2}, {"bias", false}};
  EXPECT_TRUE(tensors_near(h.run("conv1d", x, a, {w}), want, 1e-6));
}

TEST_F(Conv, ThreeDimensionalSumsTheCube) {
  ir::Tensor x({2, 1, 2, 2, 2}, {1, 2, 3, 4, 5, 6, 7, 8, -1, -1, -1, -1, -1, -1, -1, 0});
  ir::Tensor w({1, 1, 2, 2, 2}, {1, 1, 1, 1, 1, 1, 1, 1});
  ir::Tensor want({2, 1, 1, 1, 1}, {36.5f, -6.5f});
  Attrs a{{"filters", 1}, {"kernel", 2}};
  EXPECT_TRUE(tensors_near(h.run("conv3d", x, a, {w, ir::Tensor({1}, {0.5f})}), want, 1e-6));
}

TEST_F(Conv, SamePaddingPutsTheExtraZeroAtTheEnd) {
  std::mt19937 rng(7);
  ir::Tensor x = test_util::random_tensor({1, 2, 6, 6}, rng);
  Attrs same{{"filters", 3}, {"kernel", 3}, {"stride", 2}, {"pad", std::string("same")}};
  Attrs explicit_pad{{"filters", 3}, {"kernel", 3}, {"stride", 2}, {"pad", Ints{0, 0, 1, 1}}};
  EXPECT_EQ(h.infer("conv2d", {ir::kBatch, 2, 6, 6}, same)[0], (ir::Shape{ir::kBatch, 3, 3, 3}));
  auto params = h.random_params("conv2d", x.shape(), same, rng);
  EXPECT_TRUE(tensors_near(h.run("conv2d", x, same, params),
                           h.run("conv2d", x, explicit_pad, params), 1e-6));
}

TEST_F(Conv, FusedActivationsUseTheirDefaults) {
  ir::Tensor x({1, 1, 4}, {-2.0f, -0.5f, 0.0f, 1.5f});
  ir::Tensor one({1, 1, 1}, {1.0f});
  auto run = [&](Attrs extra) {
    Attrs a{{"filters", 1}, {"kernel", 1}, {"bias", false}};
    a.insert(extra.begin(), extra.end());
    return h.run("conv1d", x, a, {one});
  };
  using S = std::string;
  EXPECT_TRUE(tensors_near(run({{"act", S("none")}}), x, 1e-6));
  EXPECT_TRUE(
      tensors_near(run({{"act", S("relu")}}), ir::Tensor({1, 1, 4}, {0, 0, 0, 1.5f}), 1e-6));
  EXPECT_TRUE(tensors_near(run({{"act", S("leaky_relu")}}),
                           ir::Tensor({1, 1, 4}, {-0.02f, -0.005f, 0, 1.5f}), 1e-6));
  EXPECT_TRUE(tensors_near(run({{"act", S("leaky_relu")}, {"act_alpha", 0.2}}),
                           ir::Tensor({1, 1, 4}, {-0.4f, -0.1f, 0, 1.5f}), 1e-6));
  EXPECT_TRUE(tensors_near(run({{"act", S("elu")}}),
                           ir::Tensor({1, 1, 4}, {-0.8646647f, -0.3934693f, 0, 1.5f}), 1e-6));
  EXPECT_TRUE(tensors_near(run({{"act", S("elu")}, {"act_alpha", 2.0}}),
                           ir::Tensor({1, 1, 4}, {-1.7293294f, -0.7869387f, 0, 1.5f}), 1e-6));
  EXPECT_TRUE(tensors_near(run({{"act", S("tanh")}}),
                           ir::Tensor({1, 1, 4}, {-0.9640276f, -0.4621172f, 0, 0.9051483f}), 1e-6));
  EXPECT_TRUE(tensors_near(run({{"act", S("sigmoid")}}),
                           ir::Tensor({1, 1, 4}, {0.1192029f, 0.3775407f, 0.5f, 0.8175745f}),
                           1e-6));
}

// ---- the course notes (/work/shared/seeds) --------------------------------

// The notes compute true convolution, which flips the kernel; cnnc (like every
// framework) computes cross-correlation, so each example below passes the
// notes' kernel reversed along every axis. "Full" convolution (the output
// covers every overlap) is padding by kernel-1 on each side.
TEST_F(Conv, NotesOneDimensionalExample) {
  // (2, -1, 1) * (1, 1, 2) = (2, 1, 4, -1, 2)
  ir::Tensor x({1, 1, 3}, {2, -1, 1});
  ir::Tensor flipped({1, 1, 3}, {2, 1, 1});  // the kernel (1, 1, 2) reversed
  ir::Tensor want({1, 1, 5}, {2, 1, 4, -1, 2});
  Attrs a{{"filters", 1}, {"kernel", 3}, {"pad", 2}, {"bias", false}};
  EXPECT_TRUE(tensors_near(h.run("conv1d", x, a, {flipped}), want, 1e-6));
  // Commutativity, as the notes point out: a * b == b * a.
  ir::Tensor x2({1, 1, 3}, {1, 1, 2});
  ir::Tensor flipped2({1, 1, 3}, {1, -1, 2});  // (2, -1, 1) reversed
  EXPECT_TRUE(tensors_near(h.run("conv1d", x2, a, {flipped2}), want, 1e-6));
}

TEST_F(Conv, NotesTwoDimensionalFullConvolution) {
  // [[1,3,1],[0,-1,1],[2,2,-1]] * [[1,2],[0,-1]], full: a 4x4 result.
  ir::Tensor x({1, 1, 3, 3}, {1, 3, 1, 0, -1, 1, 2, 2, -1});
  ir::Tensor flipped({1, 1, 2, 2}, {-1, 0, 2, 1});  // [[1,2],[0,-1]] rotated 180 degrees
  ir::Tensor want({1, 1, 4, 4}, {1, 5, 7, 2, 0, -2, -4, 1, 2, 6, 4, -3, 0, -2, -2, 1});
  Attrs a{{"filters", 1}, {"kernel", 2}, {"pad", 1}, {"bias", false}};
  EXPECT_TRUE(tensors_near(h.run("conv2d", x, a, {flipped}), want, 1e-6));
}

TEST_F(Conv, NotesTwoDimensionalValidConvolution) {
  // [[0,80,40],[20,40,0],[0,0,40]] * [[0,0.25],[0.5,1]] = [[45,110],[40,40]];
  // the notes flip k to [[1,0.5],[0.25,0]] and slide it, which is what we pass.
  ir::Tensor x({1, 1, 3, 3}, {0, 80, 40, 20, 40, 0, 0, 0, 40});
  ir::Tensor flipped({1, 1, 2, 2}, {1, 0.5f, 0.25f, 0});
  ir::Tensor want({1, 1, 2, 2}, {45, 110, 40, 40});
  Attrs a{{"filters", 1}, {"kernel", 2}, {"bias", false}};
  EXPECT_TRUE(tensors_near(h.run("conv2d", x, a, {flipped}), want, 1e-6));
}

TEST_F(Conv, NotesOutputSizeQuestions) {
  auto out = [&](Attrs a) {
    a.emplace("filters", 1);
    a.emplace("kernel", 3);
    return h.infer("conv2d", {ir::kBatch, 1, 7, 7}, a)[0];
  };
  // (N - f) / stride + 1 with N = 7, f = 3.
  EXPECT_EQ(out({{"stride", 1}}), (ir::Shape{ir::kBatch, 1, 5, 5}));
  EXPECT_EQ(out({{"stride", 2}}), (ir::Shape{ir::kBatch, 1, 3, 3}));
  // Stride 3 "does not fit" ((7-3)/3 + 1 = 2.33): like every framework, cnnc
  // floors, dropping the last column and row of the input, and gives 2x2.
  EXPECT_EQ(out({{"stride", 3}}), (ir::Shape{ir::kBatch, 1, 2, 2}));
  // Padded with 1 pixel, stride 1: 7x7. Stride 3 with padding 1: the 3x3 the notes ask for.
  EXPECT_EQ(out({{"stride", 1}, {"pad", 1}}), (ir::Shape{ir::kBatch, 1, 7, 7}));
  EXPECT_EQ(out({{"stride", 3}, {"pad", 1}}), (ir::Shape{ir::kBatch, 1, 3, 3}));
}

TEST_F(Conv, NotesFiftyByFiftyLayer) {
  // 50x50x3 input, ten 5x5 filters, stride 1, pad 2: 50x50x10 and 10 * (5*5*3 + 1) = 760
  // parameters.
  Attrs a{{"filters", 10}, {"kernel", 5}, {"stride", 1}, {"pad", 2}};
  EXPECT_EQ(h.infer("conv2d", {ir::kBatch, 3, 50, 50}, a)[0], (ir::Shape{ir::kBatch, 10, 50, 50}));
  EXPECT_EQ(h.param_count("conv2d", {ir::kBatch, 3, 50, 50}, a), 760);
}

// ---- parameters, cost, errors --------------------------------------------

TEST_F(Conv, TorchvisionParameterCountsAndCost) {
  Attrs stem{{"filters", 64}, {"kernel", 7}, {"stride", 2}, {"pad", 3}, {"bias", false}};
  ir::Shape image{ir::kBatch, 3, 224, 224};
  EXPECT_EQ(h.param_count("conv2d", image, stem), 9408);  // resnet conv1
  EXPECT_EQ(h.infer("conv2d", image, stem)[0], (ir::Shape{ir::kBatch, 64, 112, 112}));
  EXPECT_EQ(h.macs("conv2d", image, stem),
            int64_t{112} * 112 * 64 * 3 * 49);  // 118 M, as torchvision reports
  auto ps = h.params("conv2d", image, stem);
  ASSERT_EQ(ps.size(), 1u);
  EXPECT_EQ(ps[0].fan_in, 3 * 49);
  // Depthwise 3x3 on 32 channels with bias (MobileNet): 32*9 + 32.
  EXPECT_EQ(h.param_count("conv2d", {ir::kBatch, 32, 56, 56},
                          {{"filters", 32}, {"kernel", 3}, {"groups", 32}}),
            320);
}

TEST_F(Conv, AttributeAndShapeErrors) {
  ir::Shape x{ir::kBatch, 4, 8, 8};
  EXPECT_THROW(h.infer("conv2d", x, {{"filters", 8}, {"kernel", 3}, {"stride", 0}}), ir::AttrError);
  EXPECT_THROW(h.infer("conv2d", x, {{"filters", 8}, {"kernel", 0}}), ir::AttrError);
  EXPECT_THROW(h.infer("conv2d", x, {{"filters", 8}, {"kernel", Ints{3, 0}}}), ir::AttrError);
  EXPECT_THROW(h.infer("conv2d", x, {{"filters", 8}, {"kernel", 3}, {"pad", -1}}), ir::AttrError);
  try {
    h.infer("conv2d", x, {{"filters", 6}, {"kernel", 3}, {"groups", 3}});
    FAIL() << "groups=3 does not divide 4 channels";
  } catch (const ir::OpError& e) {
    EXPECT_EQ(e.attr, "groups");
  }
  try {
    h.infer("conv2d", {ir::kBatch, 4, 3, 3}, {{"filters", 2}, {"kernel", 5}});
    FAIL() << "a 5x5 kernel does not fit a 3x3 input";
  } catch (const ir::OpError& e) {
    EXPECT_EQ(e.attr, "kernel");
    EXPECT_NE(std::string(e.what()).find("larger than the padded input"), std::string::npos)
        << e.what();
  }
  // With padding it fits: 3 + 2 + 2 - 5 + 1 = 3.
  EXPECT_EQ(
      h.infer("conv2d", {ir::kBatch, 4, 3, 3}, {{"filters", 2}, {"kernel", 5}, {"pad", 2}})[0],
      (ir::Shape{ir::kBatch, 2, 3, 3}));
  try {
    h.infer("conv2d", {ir::kBatch, 4, 8}, {{"filters", 2}, {"kernel", 3}});
    FAIL() << "conv2d on a rank-3 input";
  } catch (const ir::OpError& e) {
    EXPECT_EQ(e.input, 0);
  }
}

}  // namespace
}  // namespace cnnc
