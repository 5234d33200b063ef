// The backward conformance cases of the rarer layers every backend runs
// against the reference (tests/halide/backward_rare_test.cpp,
// tests/vulkan/backward_rare_test.cpp): the transposed convolution's
// gradients (1-3 spatial axes, stride, padding begin and end, output
// padding, dilation, groups; whole vectors of input channels for dW's
// channel-vector forms), the locally connected layer's (kernel, stride,
// asymmetric padding; rows narrower and wider than a vector) and LRN's
// (rank 2 to 5, windows wider than the channels, even and odd sizes). Each
// function adds its cases to a sweep; the caller picks the backend, batch
// and seed (each function's comment names those the cases were chosen for).
#pragma once

#include <algorithm>

#include "ir/ops/window.h"
#include "tests/backends/backward_cases.h"
#include "tests/backends/sweep.h"

namespace cnnc::test_util {

inline ir::Window window_of(const Attrs& attrs, const ir::Shape& x) {
  ir::AttrMap map;
  for (const auto& [name, value] : attrs) map.set(name, value);
  return ir::read_window(map, x);
}

// Padding given per axis (symmetric) or as all begins then all ends.
inline Ints random_pad(std::mt19937& rng, const Ints& most, bool asymmetric) {
  Ints begins, ends;
  for (int64_t m : most) {
    begins.push_back(random_int(rng, 0, m));
    ends.push_back(asymmetric ? random_int(rng, 0, m) : begins.back());
  }
  if (!asymmetric) return begins;
  begins.insert(begins.end(), ends.begin(), ends.end());
  return begins;
}

// `cases` random transposed convolutions, both gradients of each; sweeps of
// batch 3 seed 51 (18 cases), and batches 1, 8 and 7 with seed 60 + batch
// (6 cases each: 7 does not split evenly into dW's batch chunks).
inline void add_conv_transpose_gradient_cases(Sweep& sweep, int cases) {
  auto& rng = sweep.rng();
  for (int i = 0; i < cases; ++i) {
    const size_t rank = i % 5 == 0 ? 1 : i % 5 == 4 ? 3 : 2;
    Ints kernel, stride, dilation, output_padding, input, most_pad;
    for (size_t a = 0; a < rank; ++a) {
      kernel.push_back(random_int(rng, 1, rank == 3 ? 3 : 5));
      stride.push_back(random_int(rng, 1, 3));
      dilation.push_back(random_int(rng, 1, 2));
      output_padding.push_back(random_int(rng, 0, std::max(stride[a], dilation[a]) - 1));
      input.push_back(random_int(rng, rank == 3 ? 2 : 3, rank == 1 ? 30 : rank == 2 ? 11 : 4));
      most_pad.push_back(std::min<int64_t>((kernel[a] - 1) * dilation[a], 3));
    }
    // Every third case has whole vectors of input channels (dW's channel-vector
    // form): 16 (AVX-512's vectors, and two of AVX2's) or 8 to 24.
    const bool vectors = i % 3 == 0;
    const int64_t groups = vectors ? 1 : random_int(rng, 1, 3);
    const int64_t c = !vectors     ? groups * random_int(rng, 1, 3)
                      : i % 2 == 0 ? 16
                                   : 8 * random_int(rng, 1, 3);
    const int64_t k = groups * random_int(rng, 1, 4);
    Attrs attrs{{"kernel", kernel},
                {"stride", stride},
                {"pad", random_pad(rng, most_pad, i % 4 == 1)},
                {"output_padding", output_padding},
                {"dilation", dilation},
                {"groups", groups}};
    const ir::Shape x = shape_of(N, c, input);
    const ir::Window w = window_of(attrs, x);
    Ints output;
    bool ok = true;
    for (size_t a = 0; a < rank; ++a) {
      output.push_back((input[a] - 1) * stride[a] - w.pad_begin[a] - w.pad_end[a] +
                       dilation[a] * (kernel[a] - 1) + output_padding[a] + 1);
      ok = ok && output.back() >= 1;
    }
    if (!ok) {  // padding larger than the output: draw again
      --i;
      continue;
    }
    const ir::Shape dy = shape_of(N, k, output);
    ir::Shape weight{c, k / groups};
    weight.dims.insert(weight.dims.end(), kernel.begin(), kernel.end());
    sweep.add("conv_transpose_grad_weight", {dy, x}, attrs);
    sweep.add("conv_transpose_grad_input", {dy, weight, x}, attrs);
  }
}

// An upsampling decoder's layers: kernel 2 stride 2, and kernel 4 stride 2
// pad 1; a sweep of batch 5, seed 9.
inline void add_decoder_conv_transpose_gradient_cases(Sweep& sweep) {
  const Attrs up2{{"kernel", Ints{2, 2}}, {"stride", Ints{2, 2}}};
  const Attrs up4{{"kernel", Ints{4, 4}}, {"stride", Ints{2, 2}}, {"pad", Ints{1, 1}}};
  sweep.add("conv_transpose_grad_weight", {ir::Shape{N, 8, 14, 14}, ir::Shape{N, 16, 7, 7}}, up2);
  sweep.add("conv_transpose_grad_input",
            {ir::Shape{N, 8, 14, 14}, ir::Shape{16, 8, 2, 2}, ir::Shape{N, 16, 7, 7}}, up2);
  sweep.add("conv_transpose_grad_weight", {ir::Shape{N, 3, 28, 28}, ir::Shape{N, 8, 14, 14}}, up4);
  sweep.add("conv_transpose_grad_input",
            {ir::Shape{N, 3, 28, 28}, ir::Shape{8, 3, 4, 4}, ir::Shape{N, 8, 14, 14}}, up4);
}

// `cases` random locally connected layers, both gradients of each; sweeps of
// batches 1, 3 and 8 with seed 70 + batch (12 cases at batch 3, 6 otherwise).
inline void add_local_gradient_cases(Sweep& sweep, int cases) {
  auto& rng = sweep.rng();
  for (int i = 0; i < cases; ++i) {
    Ints kernel, stride, input, most_pad;
    for (size_t a = 0; a < 2; ++a) {
      kernel.push_back(random_int(rng, 1, 5));
      stride.push_back(random_int(rng, 1, 3));
      most_pad.push_back(kernel[a] - 1);
      // Every other case wide enough for rows of whole vectors.
      input.push_back(random_int(rng, 1, a == 1 && i % 2 ? 24 : 10));
    }
    Attrs attrs{
        {"kernel", kernel}, {"stride", stride}, {"pad", random_pad(rng, most_pad, i % 3 == 2)}};
    const int64_t c = random_int(rng, 1, 5), k = random_int(rng, 1, 6);
    const ir::Shape x = shape_of(N, c, input);
    const ir::Window w = window_of(attrs, x);
    bool ok = true;
    for (size_t a = 0; a < 2; ++a) ok = ok && input[a] + w.pad_begin[a] + w.pad_end[a] >= kernel[a];
    if (!ok) {  // the kernel is larger than the padded input: draw again
      --i;
      continue;
    }
    const int64_t oh = w.output_size(0, input[0]), ow = w.output_size(1, input[1]);
    const ir::Shape dy{N, k, oh, ow};
    sweep.add("local_grad_weight", {dy, x}, attrs);
    sweep.add("local_grad_input", {dy, ir::Shape{oh, ow, k, c, kernel[0], kernel[1]}, x}, attrs);
  }
}

// Eight random LRN gradients: ranks 2 to 5, 1 to 13 channels, sizes 1 to 7
// (wider than the channels too), and alpha, beta, k far from AlexNet's;
// sweeps of batches 1, 5 and 4 with seed 80 + batch.
inline void add_lrn_gradient_cases(Sweep& sweep) {
  auto& rng = sweep.rng();
  const int64_t channels[] = {1, 3, 5, 8, 13};
  const int64_t sizes[] = {1, 2, 3, 5, 7};
  const double alphas[] = {1e-4, 0.5, 2.0}, betas[] = {0.75, 0.5, 1.3}, ks[] = {1.0, 2.0, 0.5};
  for (int i = 0; i < 8; ++i) {
    const size_t rank = 2 + static_cast<size_t>(i % 4);
    ir::Shape x{N, channels[random_int(rng, 0, 4)]};
    const int64_t widths[] = {1, 5, 8, 13, 16};
    for (size_t d = 2; d + 1 < rank; ++d) x.dims.push_back(random_int(rng, 1, 6));
    if (rank > 2) x.dims.push_back(widths[random_int(rng, 0, 4)]);
    sweep.add("lrn_grad", {x, x},
              {{"size", sizes[random_int(rng, 0, 4)]},
               {"alpha", alphas[i % 3]},
               {"beta", betas[random_int(rng, 0, 2)]},
               {"k", ks[random_int(rng, 0, 2)]}});
  }
}

// AlexNet's LRN (size 5, k = 2) on its first layer's channels; a sweep of
// batch 2, seed 3.
inline void add_alexnet_lrn_gradient_cases(Sweep& sweep) {
  sweep.add("lrn_grad", {ir::Shape{N, 96, 13, 13}, ir::Shape{N, 96, 13, 13}},
            {{"size", int64_t{5}}, {"alpha", 1e-4}, {"beta", 0.75}, {"k", 2.0}});
}

}  // namespace cnnc::test_util
