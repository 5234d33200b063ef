// The training forms of batchnorm and dropout on the Halide backend against
// the reference (the cases of tests/backends/training_layer_cases.h), over
// random shapes and batch sizes 1, odd and even: batchnorm with batch
// statistics, its input and weight gradients (training and inference
// forms), the running mean and variance updates; dropout in training and
// dropout_grad, compared exactly (the masks are bit for bit the
// reference's, and so are the scaled values).
#include <gtest/gtest.h>

#include "tests/backends/training_layer_cases.h"
#include "tests/halide/sweep.h"

namespace cnnc::halide_test {
namespace {

TEST(HalideBackwardLayers, BatchnormTrainingFormsOverRandomShapes) {
  for (int64_t batch : {1, 2, 5, 16}) {
    Sweep sweep(fmt::format("bn_train_{}", batch), batch, static_cast<uint32_t>(100 + batch));
    test_util::add_batchnorm_random_shape_cases(sweep, batch);
    sweep.check();
  }
}

// The shapes of a small residual net on 28 x 28 images, and a batch of 64.
TEST(HalideBackwardLayers, BatchnormOfResidualNetLayers) {
  Sweep sweep("bn_resnet", 64, 7);
  test_util::add_batchnorm_residual_net_cases(sweep);
  sweep.check();
}

TEST(HalideBackwardLayers, DropoutMasksAreTheReferences) {
  for (int64_t batch : {1, 3, 8}) {
    Sweep sweep(fmt::format("dropout_{}", batch), batch, static_cast<uint32_t>(200 + batch));
    test_util::add_dropout_mask_cases(sweep);
    sweep.check(/*tol=*/0.0);
  }
}

// Two dropout layers alike but for their names draw different masks (the
// stream is the name's hash): their kernels must not be shared.
TEST(HalideBackwardLayers, DropoutLayersWithTheSameAttributesDrawTheirOwnMasks) {
  Sweep sweep("dropout_twins", 4, 17);
  test_util::add_dropout_twin_cases(sweep);
  sweep.check(/*tol=*/0.0);
}

// Dropout at inference is the identity.
TEST(HalideBackwardLayers, DropoutAtInference) {
  Sweep sweep("dropout_inference", 3, 5);
  sweep.add("dropout", ir::Shape{N, 4, 5, 6}, {{"rate", 0.5}});
  sweep.check(/*tol=*/0.0);
}

}  // namespace
}  // namespace cnnc::halide_test
