// The Vulkan backend's forward ops beyond the image classifiers' basics
// against the reference with the validation layer on, as the Halide
// backend's tests sweep them (tests/halide/conv_test.cpp, pool_test.cpp,
// elementwise_test.cpp): conv1d and conv3d, 1-3 D max/avg/L2 pooling and the
// global pools, lrn, conv_transpose2d, local2d, and add/mul broadcasting
// over two or more inputs.
#include <gtest/gtest.h>

#include "tests/vulkan/vulkan_sweep.h"

namespace cnnc::vulkan_test {
namespace {

using test_util::random_int;

// Spatial extents each at least the dilated kernel, so every pad is valid.
Ints spatial_for(std::mt19937& rng, const Ints& kernel, const Ints& dilation) {
  Ints dims;
  for (size_t a = 0; a < kernel.size(); ++a)
    dims.push_back(dilation[a] * (kernel[a] - 1) + 1 + random_int(rng, 0, 6));
  return dims;
}

Ints random_ints(std::mt19937& rng, size_t n, int64_t lo, int64_t hi) {
  Ints v;
  for (size_t i = 0; i < n; ++i) v.push_back(random_int(rng, lo, hi));
  return v;
}

ir::Shape with_spatial(ir::Shape s, const Ints& spatial) {
  s.dims.insert(s.dims.end(), spatial.begin(), spatial.end());
  return s;
}

const char* kActs[] = {"none", "relu", "relu6", "leaky_relu", "tanh", "sigmoid", "elu"};

// Ranks 1 and 3 (conv2d has its own tests): strides, padding as one value,
// begins and ends or `same`, dilation, groups, filters across several
// register tiles of 8 and tiles straddling groups.
TEST(VulkanForwardOps, Conv1dAndConv3dOverRandomWindows) {
  Sweep sweep("conv_nd", 2, 101);
  auto& rng = sweep.rng();
  for (int i = 0; i < 16; ++i) {
    const size_t rank = i % 2 ? 3 : 1;
    const int64_t groups = random_int(rng, 1, 3);
    const int64_t c = groups * random_int(rng, 1, 3);
    const int64_t k = groups * random_int(rng, 1, i % 4 == 0 ? 7 : 3);
    const Ints kernel = random_ints(rng, rank, 1, rank == 3 ? 2 : 4);
    const Ints dilation = random_ints(rng, rank, 1, 2);
    Attrs a{{"filters", k},
            {"kernel", kernel},
            {"stride", random_ints(rng, rank, 1, 3)},
            {"dilation", dilation},
            {"groups", groups},
            {"bias", random_int(rng, 0, 2) != 0},
            {"act", std::string(kActs[random_int(rng, 0, 6)])}};
    if (random_int(rng, 0, 4) == 0)
      a["pad"] = std::string("same");
    else if (random_int(rng, 0, 1))
      a["pad"] = random_ints(rng, 2 * rank, 0, 2);  // begins, then ends
    else
      a["pad"] = random_int(rng, 0, 2);
    if (std::get<std::string>(a["act"]) != "none" && random_int(rng, 0, 1)) a["act_alpha"] = 0.3;
    sweep.add(rank == 1 ? "conv1d" : "conv3d",
              with_spatial(ir::Shape{N, c}, spatial_for(rng, kernel, dilation)), a);
  }
  sweep.check();
}

TEST(VulkanForwardOps, Conv1dAndConv3dLayers) {
  Sweep sweep("conv_nd_layers", 3, 102);
  sweep.add("conv1d", ir::Shape{N, 5, 33}, {{"filters", 7}, {"kernel", 3}, {"dilation", 4}});
  sweep.add("conv1d", ir::Shape{N, 12, 40},
            {{"filters", 20}, {"kernel", 5}, {"pad", 2}, {"act", std::string("relu")}});
  sweep.add("conv1d", ir::Shape{N, 6, 17},
            {{"filters", 6}, {"kernel", 3}, {"pad", 1}, {"groups", 6}});  // depthwise
  sweep.add("conv3d", ir::Shape{N, 3, 5, 7, 9},
            {{"filters", 4}, {"kernel", 3}, {"pad", std::string("same")}, {"stride", 2}});
  sweep.add("conv3d", ir::Shape{N, 4, 4, 6, 6},
            {{"filters", 12}, {"kernel", Ints{1, 3, 3}}, {"pad", Ints{0, 1, 1}}, {"groups", 2}});
  sweep.check();
}

// Max, average and L2 pooling over 1-3 spatial axes: strides (or the
// kernel), padding, ceil_mode, dilation (max) and count_include_pad (avg).
TEST(VulkanForwardOps, PoolingOverRanksPaddingCeilModeAndDivisors) {
  Sweep sweep("pool_sweep", 2, 201);
  auto& rng = sweep.rng();
  const char* ops[] = {"maxpool", "avgpool", "l2pool"};
  for (int i = 0; i < 27; ++i) {
    const std::string op = ops[i % 3];
    const size_t rank = static_cast<size_t>(1 + (i / 3) % 3);
    Ints kernel, stride, pad, dilation;
    ir::Shape x{N, random_int(rng, 1, 3)};
    for (size_t a = 0; a < rank; ++a) {
      kernel.push_back(random_int(rng, 1, 4));
      stride.push_back(random_int(rng, 1, 3));
      dilation.push_back(op == "maxpool" ? random_int(rng, 1, 2) : 1);
      pad.push_back(random_int(rng, 0, kernel.back() / 2));
      x.dims.push_back(dilation.back() * (kernel.back() - 1) + 1 + random_int(rng, 0, 6));
    }
    Attrs a{{"kernel", kernel}, {"pad", pad}, {"ceil_mode", random_int(rng, 0, 1) == 1}};
    if (random_int(rng, 0, 3)) a["stride"] = stride;  // otherwise the kernel
    if (op == "maxpool") a["dilation"] = dilation;
    if (op == "avgpool") a["count_include_pad"] = random_int(rng, 0, 1) == 1;
    sweep.add(op, x, a);
  }
  sweep.check();
}

// Padding given as begins and ends, with ceil_mode: windows clipped on both
// sides, and the divisor of count_include_pad stopping at the end padding.
TEST(VulkanForwardOps, PoolingWithAsymmetricPadding) {
  Sweep sweep("pool_asymmetric", 2, 203);
  for (bool include_pad : {false, true})
    sweep.add("avgpool", ir::Shape{N, 3, 7, 10},
              {{"kernel", Ints{3, 4}},
               {"stride", Ints{2, 3}},
               {"pad", Ints{1, 0, 0, 2}},
               {"ceil_mode", true},
               {"count_include_pad", include_pad}});
  sweep.add("maxpool", ir::Shape{N, 2, 11},
            {{"kernel", 4}, {"pad", Ints{2, 1}}, {"ceil_mode", true}});
  sweep.add("l2pool", ir::Shape{N, 2, 4, 5, 6},
            {{"kernel", Ints{2, 3, 2}}, {"stride", 2}, {"pad", Ints{1, 0, 1, 0, 1, 1}}});
  sweep.check();
}

TEST(VulkanForwardOps, NetworkShapedPoolsAndGlobalPoolsOfEveryRank) {
  Sweep sweep("pool_layers", 3, 202);
  sweep.add("maxpool", ir::Shape{N, 6, 28, 28}, {{"kernel", 2}, {"stride", 2}});
  sweep.add("maxpool", ir::Shape{N, 8, 17, 17}, {{"kernel", 3}, {"stride", 2}, {"pad", 1}});
  sweep.add("maxpool", ir::Shape{N, 4, 13, 13},
            {{"kernel", 3}, {"stride", 2}, {"ceil_mode", true}});  // GoogLeNet's
  sweep.add("avgpool", ir::Shape{N, 4, 9, 11},
            {{"kernel", 3}, {"stride", 2}, {"pad", 1}, {"count_include_pad", true}});
  sweep.add("avgpool", ir::Shape{N, 4, 9, 11},
            {{"kernel", 2}, {"stride", 2}, {"ceil_mode", true}, {"count_include_pad", true}});
  sweep.add("maxpool", ir::Shape{N, 3, 6, 8, 8}, {{"kernel", 2}});  // 3-D, C3D's
  sweep.add("l2pool", ir::Shape{N, 4, 12, 12}, {{"kernel", 3}, {"stride", 2}});
  sweep.add("global_avgpool", ir::Shape{N, 5, 7, 9});
  sweep.add("global_maxpool", ir::Shape{N, 5, 7, 9});
  sweep.add("global_avgpool", ir::Shape{N, 3, 11});
  sweep.add("global_maxpool", ir::Shape{N, 3, 3, 5, 7});
  sweep.add("global_avgpool", ir::Shape{N, 2, 1, 1});
  sweep.check();
}

// Even and odd sizes, windows wider than the channels, inputs of rank 2 to
// 5, and an AlexNet-like layer (96 channels, size 5, k = 2) at a small image.
TEST(VulkanForwardOps, LrnOverSizesAndRanks) {
  Sweep sweep("lrn", 2, 302);
  auto& rng = sweep.rng();
  for (int64_t size : {1, 2, 3, 5, 6})
    sweep.add("lrn", ir::Shape{N, random_int(rng, 3, 9), 3, 5},
              {{"size", size}, {"alpha", 0.5}, {"beta", 0.75}, {"k", 2.0}});
  sweep.add("lrn", ir::Shape{N, 7}, {{"size", 3}});
  sweep.add("lrn", ir::Shape{N, 4, 5}, {{"size", 9}, {"alpha", 1.0}});
  sweep.add("lrn", ir::Shape{N, 6, 2, 3, 4}, {{"size", 4}, {"alpha", 2.0}, {"beta", 1.3}});
  sweep.add("lrn", ir::Shape{N, 96, 7, 7},
            {{"size", 5}, {"alpha", 1e-4}, {"beta", 0.75}, {"k", 2.0}});
  sweep.check();
}

// Strides, padding (symmetric, and begins and ends), output padding,
// dilation, groups, bias and activations; and a decoder's upsampling layers.
TEST(VulkanForwardOps, ConvTranspose2dOverRandomWindows) {
  Sweep sweep("conv_transpose", 2, 103);
  auto& rng = sweep.rng();
  for (int i = 0; i < 16; ++i) {
    const int64_t groups = random_int(rng, 1, 2);
    const Ints kernel = random_ints(rng, 2, 1, 4), stride = random_ints(rng, 2, 1, 3),
               dilation = random_ints(rng, 2, 1, 2);
    // Padding of at most 1 per side (begins and ends in every fourth case):
    // inputs of 3 or more keep every output positive.
    const Ints pad = random_ints(rng, i % 4 == 3 ? 4 : 2, 0, 1);
    Ints out_pad;
    for (size_t a = 0; a < 2; ++a)
      out_pad.push_back(random_int(rng, 0, std::max(stride[a], dilation[a]) - 1));
    Attrs a{{"filters", groups * random_int(rng, 1, 3)},
            {"kernel", kernel},
            {"stride", stride},
            {"pad", pad},
            {"dilation", dilation},
            {"output_padding", out_pad},
            {"groups", groups},
            {"bias", random_int(rng, 0, 2) != 0},
            {"act", std::string(kActs[random_int(rng, 0, 6)])}};
    sweep.add(
        "conv_transpose2d",
        ir::Shape{N, groups * random_int(rng, 1, 3), random_int(rng, 3, 7), random_int(rng, 3, 7)},
        a);
  }
  sweep.add("conv_transpose2d", ir::Shape{N, 16, 7, 7},
            {{"filters", 8}, {"kernel", 2}, {"stride", 2}});
  sweep.add(
      "conv_transpose2d", ir::Shape{N, 8, 6, 5},
      {{"filters", 3}, {"kernel", 4}, {"stride", 2}, {"pad", 1}, {"act", std::string("relu")}});
  sweep.check();
}

TEST(VulkanForwardOps, Local2dOverRandomWindows) {
  Sweep sweep("local", 2, 104);
  auto& rng = sweep.rng();
  for (int i = 0; i < 10; ++i) {
    const Ints kernel = random_ints(rng, 2, 1, 3);
    Attrs a{{"filters", random_int(rng, 1, 4)},
            {"kernel", kernel},
            {"stride", random_ints(rng, 2, 1, 2)},
            {"pad", random_ints(rng, i % 3 == 2 ? 4 : 2, 0, 1)},  // begins and ends
            {"bias", random_int(rng, 0, 2) != 0},
            {"act", std::string(kActs[random_int(rng, 0, 6)])}};
    sweep.add("local2d",
              with_spatial(ir::Shape{N, random_int(rng, 1, 3)}, spatial_for(rng, kernel, {1, 1})),
              a);
  }
  sweep.check();
}

// Broadcasts of every kind: stretching dims of 1, missing leading dims, the
// batch coming from a later input, three to eight operands, and ranks the
// shader's dims hold only once merged.
TEST(VulkanForwardOps, AddAndMulBroadcastOverTwoOrMoreInputs) {
  Sweep sweep("binary", 2, 303);
  for (const char* op : {"add", "mul"}) {
    sweep.add(op, {ir::Shape{N, 3, 5, 7}, ir::Shape{N, 3, 5, 7}});
    sweep.add(op, {ir::Shape{N, 3, 5, 7}, ir::Shape{N, 3, 1, 1}});    // squeeze-and-excitation
    sweep.add(op, {ir::Shape{N, 3, 1, 7}, ir::Shape{5, 1}});          // both stretch, lower rank
    sweep.add(op, {ir::Shape{1, 4, 3}, ir::Shape{N, 1, 3}});          // batch from input 1
    sweep.add(op, {ir::Shape{N, 6}, ir::Shape{6}, ir::Shape{N, 1}});  // three operands
    sweep.add(op, {ir::Shape{N, 3, 4, 5}, ir::Shape{3, 1, 5}});
    sweep.add(op, {ir::Shape{N, 4}, ir::Shape{4}});
    sweep.add(op, {ir::Shape{N, 2, 3}, ir::Shape{1}});
    sweep.add(op, {ir::Shape{N, 2, 3}, ir::Shape{N, 2, 3}, ir::Shape{N, 2, 3}});
    sweep.add(op, {ir::Shape{N, 1, 3, 1, 2, 1, 2, 1},
                   ir::Shape{1, 2, 1, 2, 1, 2, 1, 2}});  // 8 dims, none merging
    sweep.add(op, {ir::Shape{N, 2, 3, 4, 5, 6, 2, 3}, ir::Shape{4, 5, 6, 2, 3}});
    sweep.add(op, {ir::Shape{N, 3, 1}, ir::Shape{1, 4}, ir::Shape{3, 4}, ir::Shape{N, 1, 1},
                   ir::Shape{4}, ir::Shape{N, 3, 4}, ir::Shape{1}, ir::Shape{3, 1}});  // eight
  }
  sweep.check();
}

TEST(VulkanForwardOps, MoreInputsThanTheShaderBindsAreRefusedNamingTheLayer) {
  Sweep sweep("binary_nine", 2, 304);
  sweep.add("add", std::vector<ir::Shape>(9, ir::Shape{N, 2}));
  try {
    sweep.check();
    ADD_FAILURE() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("layer 'l0': add of 9 inputs"), std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace cnnc::vulkan_test
