// Halide lowering of conv1d/2d/3d, conv_transpose2d and local2d against the
// reference backend on random odd shapes and attribute combinations (the
// random layers of tests/backends/forward_cases.h).
#include <gtest/gtest.h>

#include "tests/backends/forward_cases.h"
#include "tests/halide/sweep.h"

namespace cnnc::halide_test {
namespace {

TEST(HalideConv, RandomSweepOverRanksStridesPaddingDilationGroups) {
  Sweep sweep("conv_sweep", 2, 101);
  for (int i = 0; i < 24; ++i)
    test_util::add_random_convolution(sweep, static_cast<size_t>(1 + i % 3), /*most_filters=*/3);
  sweep.check();
}

TEST(HalideConv, LeNetAndResNetShapedLayers) {
  Sweep sweep("conv_layers", 3, 102);
  sweep.add("conv2d", ir::Shape{N, 1, 28, 28},
            {{"filters", 6}, {"kernel", 5}, {"pad", 2}, {"act", std::string("relu")}});
  sweep.add("conv2d", ir::Shape{N, 16, 15, 15},
            {{"filters", 24}, {"kernel", 3}, {"stride", 2}, {"pad", 1}, {"bias", false}});
  sweep.add("conv2d", ir::Shape{N, 16, 15, 15},
            {{"filters", 16}, {"kernel", 3}, {"pad", 1}, {"groups", 16}});  // depthwise
  sweep.add("conv2d", ir::Shape{N, 32, 7, 7}, {{"filters", 48}, {"kernel", 1}});
  sweep.add("conv1d", ir::Shape{N, 5, 33}, {{"filters", 7}, {"kernel", 3}, {"dilation", 4}});
  sweep.add("conv3d", ir::Shape{N, 3, 5, 7, 9},
            {{"filters", 4}, {"kernel", 3}, {"pad", std::string("same")}, {"stride", 2}});
  sweep.check();
}

TEST(HalideConvTranspose, RandomSweep) {
  Sweep sweep("conv_transpose_sweep", 2, 103);
  for (int i = 0; i < 14; ++i)
    test_util::add_random_conv_transpose(sweep, /*pad_values=*/2, /*least_input=*/2);
  sweep.check();
}

TEST(HalideLocal, RandomSweep) {
  Sweep sweep("local_sweep", 2, 104);
  for (int i = 0; i < 8; ++i) test_util::add_random_local(sweep, /*pad_values=*/2);
  sweep.check();
}

}  // namespace
}  // namespace cnnc::halide_test
