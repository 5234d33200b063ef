// The training forms of batchnorm and dropout on the Halide backend against
// the reference, over random shapes (rank 2 [N, C], rank 3 and 4-D inputs,
// several channel counts, batch sizes 1, odd and even): batchnorm with
// batch statistics, its input and weight gradients (training and
// inference forms), the running mean and variance updates; dropout in
// training and dropout_grad, compared exactly (the masks are bit for bit
// the reference's, and so are the scaled values).
#include <gtest/gtest.h>

#include "tests/halide/sweep.h"

namespace cnnc::halide_test {
namespace {

using test_util::random_int;

// A random activation shape with a symbolic batch: [N, C], [N, C, L] or
// [N, C, H, W], with widths both ragged and whole multiples of 8.
ir::Shape random_shape(std::mt19937& rng, size_t rank, int64_t channels) {
  ir::Shape s{N, channels};
  if (rank >= 3) {
    const int64_t widths[] = {1, 5, 7, 8, 13, 16, 28, 30};
    for (size_t d = 2; d + 1 < rank; ++d) s.dims.push_back(random_int(rng, 1, 12));
    s.dims.push_back(widths[random_int(rng, 0, 7)]);
  }
  return s;
}

// Every element of the case's first input moved by `offset` (batch
// statistics far from zero, so mean subtraction matters).
void shift(std::span<ir::Tensor> inputs, float offset) {
  for (float& v : inputs[0].data()) v += offset;
}

// Variances must be positive: [-1, 1] mapped to [0.5, 1.5].
void positive(ir::Tensor& t) {
  for (float& v : t.data()) v = 1.0f + 0.5f * v;
}

// The batch elements per channel of `x` at batch `batch`.
int64_t per_channel(const ir::Shape& x, int64_t batch) {
  int64_t m = batch;
  for (size_t d = 2; d < x.rank(); ++d) m *= x[d];
  return m;
}

void add_batchnorm_cases(Sweep& sweep, const ir::Shape& x, int64_t batch) {
  auto& rng = sweep.rng();
  const int64_t c = x[1];
  const ir::Shape vec{c};
  const float offset = static_cast<float>(random_int(rng, -3, 3));
  sweep.add("batchnorm", x, {{"training", true}, {"eps", 1e-3}});
  shift(sweep.last_inputs(1), offset);
  for (bool training : {true, false}) {
    sweep.add("batchnorm_grad_input", {x, x, vec, vec}, {{"training", training}});
    shift(sweep.last_inputs(4), offset);
    positive(sweep.last_inputs(4)[3]);
    sweep.add("batchnorm_grad_weight", {x, x, vec, vec},
              {{"training", training}, {"eps", training ? 1e-5 : 1e-2}});
    shift(sweep.last_inputs(4), offset);
    positive(sweep.last_inputs(4)[3]);
  }
  sweep.add("batchnorm_running_mean", {x, vec}, {{"momentum", 0.1}});
  shift(sweep.last_inputs(2), offset);
  if (per_channel(x, batch) >= 2) {
    sweep.add("batchnorm_running_var", {x, vec}, {{"momentum", 0.3}});
    shift(sweep.last_inputs(2), offset);
    positive(sweep.last_inputs(2)[1]);
  }
}

TEST(HalideBackwardLayers, BatchnormTrainingFormsOverRandomShapes) {
  for (int64_t batch : {1, 2, 5, 16}) {
    Sweep sweep(fmt::format("bn_train_{}", batch), batch, static_cast<uint32_t>(100 + batch));
    auto& rng = sweep.rng();
    const int64_t channels[] = {1, 3, 8, 10, 17};
    // Rank 2, rank 3 and two 4-D shapes per batch size.
    for (size_t rank : {2, 3, 4, 4})
      add_batchnorm_cases(sweep, random_shape(rng, rank, channels[random_int(rng, 0, 4)]), batch);
    sweep.check();
  }
}

// The shapes of a small residual net on 28 x 28 images, and a batch of 64.
TEST(HalideBackwardLayers, BatchnormOfResidualNetLayers) {
  Sweep sweep("bn_resnet", 64, 7);
  add_batchnorm_cases(sweep, ir::Shape{N, 16, 28, 28}, 64);
  add_batchnorm_cases(sweep, ir::Shape{N, 32, 7, 7}, 64);
  sweep.check();
}

TEST(HalideBackwardLayers, DropoutMasksAreTheReferences) {
  for (int64_t batch : {1, 3, 8}) {
    Sweep sweep(fmt::format("dropout_{}", batch), batch, static_cast<uint32_t>(200 + batch));
    auto& rng = sweep.rng();
    // The step counter: 0, rounding (2.5 -> 3), a negative value (step 0), large steps.
    const float steps[] = {0.0f, 1.0f, 2.5f, -1.0f, 977.0f, 123456.0f};
    const double rates[] = {0.0, 0.1, 0.5, 0.9};
    for (int i = 0; i < 12; ++i) {
      const ir::Shape x = random_shape(rng, i % 3 == 0 ? 2 : 4, random_int(rng, 1, 20));
      const double rate = rates[i % 4];
      const int64_t seed = random_int(rng, 0, 1'000'000);
      const float step = steps[i % 6];
      if (i % 2 == 0) {
        sweep.add("dropout", {x, ir::Shape{1}},
                  {{"training", true}, {"rate", rate}, {"seed", seed}});
      } else {
        sweep.add("dropout_grad", {x, ir::Shape{1}},
                  {{"rate", rate}, {"seed", seed}, {"stream", random_int(rng, 0, 0x7FFFFFFF)}});
      }
      sweep.last_inputs(2)[1].data()[0] = step;
    }
    sweep.check(/*tol=*/0.0);
  }
}

// Two dropout layers alike but for their names draw different masks (the
// stream is the name's hash): their kernels must not be shared.
TEST(HalideBackwardLayers, DropoutLayersWithTheSameAttributesDrawTheirOwnMasks) {
  Sweep sweep("dropout_twins", 4, 17);
  for (int i = 0; i < 2; ++i) {
    sweep.add("dropout", {ir::Shape{N, 6, 5, 5}, ir::Shape{1}},
              {{"training", true}, {"rate", 0.5}, {"seed", int64_t{3}}});
    sweep.last_inputs(2)[1].data()[0] = 7.0f;
  }
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
