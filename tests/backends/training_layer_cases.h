// The conformance cases of the layers only training graphs hold, every
// backend runs against the reference (tests/halide/backward_layers_test.cpp
// and loss_test.cpp, tests/vulkan/training_ops_test.cpp): batchnorm's
// training forms over random shapes (rank 2 [N, C], rank 3 and 4-D inputs,
// several channel counts): batch statistics, the input and weight
// gradients (training and inference forms), the running mean and variance
// updates; dropout in training and dropout_grad, to be compared exactly
// (tolerance 0: the masks and the scaled values bit for bit the
// reference's); softmax_cross_entropy and mse_loss. Each function adds its
// cases to a sweep; the caller picks the backend, batch and seed (each
// function's comment names those the cases were chosen for).
#pragma once

#include <span>

#include "tests/backends/sweep.h"

namespace cnnc::test_util {

// A random activation shape with a symbolic batch: [N, C], [N, C, L] or
// [N, C, H, W], with widths both ragged and whole multiples of 8.
inline ir::Shape random_activation_shape(std::mt19937& rng, size_t rank, int64_t channels) {
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
inline void shift_first_input(std::span<ir::Tensor> inputs, float offset) {
  for (float& v : inputs[0].data()) v += offset;
}

// Variances must be positive: [-1, 1] mapped to [0.5, 1.5].
inline void make_variances(ir::Tensor& t) {
  for (float& v : t.data()) v = 1.0f + 0.5f * v;
}

// The batch elements per channel of `x` at batch `batch`.
inline int64_t per_channel(const ir::Shape& x, int64_t batch) {
  int64_t m = batch;
  for (size_t d = 2; d < x.rank(); ++d) m *= x[d];
  return m;
}

// Batchnorm's training forms on `x` at batch `batch` (the sweep's): the
// forward pass with batch statistics, both gradients in training and
// inference forms, the running mean, and the running variance where a
// channel has two values or more.
inline void add_batchnorm_training_cases(Sweep& sweep, const ir::Shape& x, int64_t batch) {
  auto& rng = sweep.rng();
  const int64_t c = x[1];
  const ir::Shape vec{c};
  const float offset = static_cast<float>(random_int(rng, -3, 3));
  sweep.add("batchnorm", x, {{"training", true}, {"eps", 1e-3}});
  shift_first_input(sweep.last_inputs(1), offset);
  for (bool training : {true, false}) {
    sweep.add("batchnorm_grad_input", {x, x, vec, vec}, {{"training", training}});
    shift_first_input(sweep.last_inputs(4), offset);
    make_variances(sweep.last_inputs(4)[3]);
    sweep.add("batchnorm_grad_weight", {x, x, vec, vec},
              {{"training", training}, {"eps", training ? 1e-5 : 1e-2}});
    shift_first_input(sweep.last_inputs(4), offset);
    make_variances(sweep.last_inputs(4)[3]);
  }
  sweep.add("batchnorm_running_mean", {x, vec}, {{"momentum", 0.1}});
  shift_first_input(sweep.last_inputs(2), offset);
  if (per_channel(x, batch) >= 2) {
    sweep.add("batchnorm_running_var", {x, vec}, {{"momentum", 0.3}});
    shift_first_input(sweep.last_inputs(2), offset);
    make_variances(sweep.last_inputs(2)[1]);
  }
}

// Batchnorm's training forms on a rank 2, a rank 3 and two 4-D random
// shapes of 1-17 channels, at batch `batch` (the sweep's); sweeps of
// batches 1, 2, 5 and 16, seed 100 + batch.
inline void add_batchnorm_random_shape_cases(Sweep& sweep, int64_t batch) {
  auto& rng = sweep.rng();
  const int64_t channels[] = {1, 3, 8, 10, 17};
  for (size_t rank : {2, 3, 4, 4})
    add_batchnorm_training_cases(
        sweep, random_activation_shape(rng, rank, channels[random_int(rng, 0, 4)]), batch);
}

// The shapes of a small residual net on 28 x 28 images; a sweep of batch
// 64 (50176 elements per channel), seed 7.
inline void add_batchnorm_residual_net_cases(Sweep& sweep) {
  add_batchnorm_training_cases(sweep, ir::Shape{N, 16, 28, 28}, 64);
  add_batchnorm_training_cases(sweep, ir::Shape{N, 32, 7, 7}, 64);
}

// Dropout and dropout_grad in turn on 12 random shapes (rank 2 and 4),
// rates 0 to 0.9, random seeds and streams, and the step counter 0,
// rounding (2.5 -> 3), a negative value (step 0) and large steps; sweeps of
// batches 1, 3 and 8, seed 200 + batch.
inline void add_dropout_mask_cases(Sweep& sweep) {
  auto& rng = sweep.rng();
  const float steps[] = {0.0f, 1.0f, 2.5f, -1.0f, 977.0f, 123456.0f};
  const double rates[] = {0.0, 0.1, 0.5, 0.9};
  for (int i = 0; i < 12; ++i) {
    const ir::Shape x = random_activation_shape(rng, i % 3 == 0 ? 2 : 4, random_int(rng, 1, 20));
    const double rate = rates[i % 4];
    const int64_t seed = random_int(rng, 0, 1'000'000);
    const float step = steps[i % 6];
    if (i % 2 == 0) {
      sweep.add("dropout", {x, ir::Shape{1}}, {{"training", true}, {"rate", rate}, {"seed", seed}});
    } else {
      sweep.add("dropout_grad", {x, ir::Shape{1}},
                {{"rate", rate}, {"seed", seed}, {"stream", random_int(rng, 0, 0x7FFFFFFF)}});
    }
    sweep.last_inputs(2)[1].data()[0] = step;
  }
}

// Two dropout layers alike but for their names, which must draw different
// masks (the stream is the name's hash; a backend must not share their
// kernels); a sweep of batch 4, seed 17.
inline void add_dropout_twin_cases(Sweep& sweep) {
  for (int i = 0; i < 2; ++i) {
    sweep.add("dropout", {ir::Shape{N, 6, 5, 5}, ir::Shape{1}},
              {{"training", true}, {"rate", 0.5}, {"seed", int64_t{3}}});
    sweep.last_inputs(2)[1].data()[0] = 7.0f;
  }
}

// Class labels 0 to classes - 1.
inline void random_labels(ir::Tensor& labels, int64_t classes, std::mt19937& rng) {
  for (float& l : labels.data()) l = static_cast<float>(random_int(rng, 0, classes - 1));
}

// softmax_cross_entropy over 1 to 37 classes and over logits that would
// overflow exp unshifted; mse_loss over ranks 1, 2 and 4; a sweep of batch
// 5, seed 77.
inline void add_loss_cases(Sweep& sweep) {
  auto& rng = sweep.rng();
  for (int64_t classes : {1, 2, 10, 37}) {
    sweep.add("softmax_cross_entropy", {ir::Shape{N, classes}, ir::Shape{N}});
    random_labels(sweep.last_inputs(2)[1], classes, rng);
  }
  sweep.add("softmax_cross_entropy", {ir::Shape{N, 10}, ir::Shape{N}});
  for (float& x : sweep.last_inputs(2)[0].data()) x *= 500.0f;  // exp would overflow unshifted
  random_labels(sweep.last_inputs(2)[1], 10, rng);
  sweep.add("mse_loss", {ir::Shape{N, 7}, ir::Shape{N, 7}});
  sweep.add("mse_loss", {ir::Shape{N, 3, 5, 6}, ir::Shape{N, 3, 5, 6}});
  sweep.add("mse_loss", {ir::Shape{N}, ir::Shape{N}});
}

}  // namespace cnnc::test_util
