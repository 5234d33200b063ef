// Every backward and optimizer kernel of the Halide backend against the
// reference, over random shapes and windows (tests/backends/backward_cases.h).
#include <gtest/gtest.h>

#include "tests/backends/backward_cases.h"
#include "tests/halide/sweep.h"

namespace cnnc::halide_test {
namespace {

TEST(HalideBackward, ConvolutionGradientsOverRandomWindows) {
  Sweep sweep("conv_grad", 3, 11);
  test_util::add_convolution_gradient_cases(sweep);
  sweep.check();
}

// LeNet-5's layers, and a batch that does not split evenly into dW's chunks.
TEST(HalideBackward, ConvolutionGradientsOfLeNetLayers) {
  for (int64_t batch : {64, 7}) {
    Sweep sweep("lenet_grad", batch, 5);
    test_util::add_lenet_convolution_gradient_cases(sweep);
    sweep.check();
  }
}

TEST(HalideBackward, PoolingGradientsOverRandomWindows) {
  Sweep sweep("pool_grad", 2, 23);
  test_util::add_pooling_gradient_cases(sweep);
  sweep.check();
}

TEST(HalideBackward, SmallBackwardOps) {
  Sweep sweep("small_grad", 4, 31);
  test_util::add_small_backward_cases(sweep);
  sweep.check();
}

TEST(HalideBackward, OptimizerUpdates) {
  Sweep sweep("optimizer", 3, 41);
  test_util::add_optimizer_update_cases(sweep);
  sweep.check();
}

}  // namespace
}  // namespace cnnc::halide_test
