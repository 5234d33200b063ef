// Halide lowering of maxpool/avgpool/l2pool (1-3 D, padding, ceil_mode,
// count_include_pad, dilation) and global pooling against the reference
// (tests/backends/forward_cases.h).
#include <gtest/gtest.h>

#include "tests/backends/forward_cases.h"
#include "tests/halide/sweep.h"

namespace cnnc::halide_test {
namespace {

TEST(HalidePool, RandomSweepOverRanksPaddingCeilModeAndDivisors) {
  Sweep sweep("pool_sweep", 2, 201);
  test_util::add_random_pooling_cases(sweep, 24);
  sweep.check();
}

TEST(HalidePool, NetworkShapedLayersAndGlobalPooling) {
  Sweep sweep("pool_layers", 3, 202);
  test_util::add_network_pooling_cases(sweep);
  sweep.check();
}

}  // namespace
}  // namespace cnnc::halide_test
