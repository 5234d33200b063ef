// The Vulkan backend's forward ops beyond the image classifiers' basics
// against the reference with the validation layer on: the cases the Halide
// backend's tests sweep too (tests/backends/forward_cases.h) and more of
// its own: conv1d and conv3d, 1-3 D max/avg/L2 pooling and the global
// pools, lrn, conv_transpose2d, local2d, and add/mul broadcasting over two
// or more inputs.
#include <gtest/gtest.h>

#include "tests/backends/forward_cases.h"
#include "tests/vulkan/vulkan_sweep.h"

namespace cnnc::vulkan_test {
namespace {

// Ranks 1 and 3 (conv2d has its own tests): strides, padding as one value,
// begins and ends or `same`, dilation, groups, filters across several
// register tiles of 8 and tiles straddling groups.
TEST(VulkanForwardOps, Conv1dAndConv3dOverRandomWindows) {
  Sweep sweep("conv_nd", 2, 101);
  for (int i = 0; i < 16; ++i)
    test_util::add_random_convolution(sweep, i % 2 ? 3 : 1, /*most_filters=*/i % 4 == 0 ? 7 : 3);
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
  test_util::add_random_pooling_cases(sweep, 27);
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
  test_util::add_network_pooling_cases(sweep);
  sweep.add("maxpool", ir::Shape{N, 3, 6, 8, 8}, {{"kernel", 2}});  // 3-D, C3D's
  sweep.add("l2pool", ir::Shape{N, 4, 12, 12}, {{"kernel", 3}, {"stride", 2}});
  sweep.check();
}

// Even and odd sizes, windows wider than the channels, inputs of rank 2 to
// 5, and an AlexNet-like layer (96 channels, size 5, k = 2) at a small image.
TEST(VulkanForwardOps, LrnOverSizesAndRanks) {
  Sweep sweep("lrn", 2, 302);
  test_util::add_lrn_cases(sweep);
  sweep.add("lrn", ir::Shape{N, 6, 2, 3, 4}, {{"size", 4}, {"alpha", 2.0}, {"beta", 1.3}});
  sweep.add("lrn", ir::Shape{N, 96, 7, 7},
            {{"size", 5}, {"alpha", 1e-4}, {"beta", 0.75}, {"k", 2.0}});
  sweep.check();
}

// Strides, padding (symmetric, and begins and ends), output padding,
// dilation, groups, bias and activations; and a decoder's upsampling layers.
TEST(VulkanForwardOps, ConvTranspose2dOverRandomWindows) {
  Sweep sweep("conv_transpose", 2, 103);
  for (int i = 0; i < 16; ++i)
    test_util::add_random_conv_transpose(sweep, /*pad_values=*/i % 4 == 3 ? 4 : 2,
                                         /*least_input=*/3);
  sweep.add("conv_transpose2d", ir::Shape{N, 16, 7, 7},
            {{"filters", 8}, {"kernel", 2}, {"stride", 2}});
  sweep.add(
      "conv_transpose2d", ir::Shape{N, 8, 6, 5},
      {{"filters", 3}, {"kernel", 4}, {"stride", 2}, {"pad", 1}, {"act", std::string("relu")}});
  sweep.check();
}

TEST(VulkanForwardOps, Local2dOverRandomWindows) {
  Sweep sweep("local", 2, 104);
  for (int i = 0; i < 10; ++i)
    test_util::add_random_local(sweep, /*pad_values=*/i % 3 == 2 ? 4 : 2);
  sweep.check();
}

// Broadcasts of every kind: stretching dims of 1, missing leading dims, the
// batch coming from a later input, three to eight operands, and ranks the
// shader's dims hold only once merged.
TEST(VulkanForwardOps, AddAndMulBroadcastOverTwoOrMoreInputs) {
  Sweep sweep("binary", 2, 303);
  for (const char* op : {"add", "mul"}) {
    test_util::add_broadcast_cases(sweep, op);
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
