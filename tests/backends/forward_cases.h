// The forward conformance cases every backend runs against the reference
// (tests/halide/conv_test.cpp, pool_test.cpp and elementwise_test.cpp,
// tests/vulkan/forward_ops_test.cpp): random convolutions of 1-3 spatial
// axes, transposed convolutions and locally connected layers; max, average
// and L2 pooling over random windows and network-shaped pools with the
// global pools; lrn; add and mul broadcasting. Each function adds its cases
// to a sweep; the caller picks the backend, batch and seed (each function's
// comment names those the cases were chosen for) and, where a function adds
// one random case, how many and which.
#pragma once

#include <algorithm>
#include <string>

#include "tests/backends/sweep.h"

namespace cnnc::test_util {

inline Ints random_ints(std::mt19937& rng, size_t n, int64_t lo, int64_t hi) {
  Ints v;
  for (size_t i = 0; i < n; ++i) v.push_back(random_int(rng, lo, hi));
  return v;
}

// Spatial extents each at least the dilated kernel, so every pad is valid.
inline Ints spatial_for(std::mt19937& rng, const Ints& kernel, const Ints& dilation) {
  Ints dims;
  for (size_t a = 0; a < kernel.size(); ++a)
    dims.push_back(dilation[a] * (kernel[a] - 1) + 1 + random_int(rng, 0, 6));
  return dims;
}

inline const char* const kActivations[] = {"none", "relu",    "relu6", "leaky_relu",
                                           "tanh", "sigmoid", "elu"};

// One random conv1d, conv2d or conv3d (`rank` spatial axes): stride, padding
// as one value, begins and ends or `same`, dilation, 1-3 groups of 1-3
// input channels and 1 to `most_filters` filters each, bias, an activation
// (with and without act_alpha). Sweeps of batch 2, seed 101: 24 cases of
// ranks 1, 2, 3 in turn and at most 3 filters per group (Halide); 16 of
// ranks 1 and 3 in turn, every fourth with up to 7 filters per group
// (Vulkan, whose conv2d has tests of its own).
inline void add_random_convolution(Sweep& sweep, size_t rank, int64_t most_filters) {
  auto& rng = sweep.rng();
  const int64_t groups = random_int(rng, 1, 3);
  const int64_t c = groups * random_int(rng, 1, 3), k = groups * random_int(rng, 1, most_filters);
  const Ints kernel = random_ints(rng, rank, 1, rank == 3 ? 2 : 4);
  const Ints dilation = random_ints(rng, rank, 1, 2);
  Attrs a{{"filters", k},
          {"kernel", kernel},
          {"stride", random_ints(rng, rank, 1, 3)},
          {"dilation", dilation},
          {"groups", groups},
          {"bias", random_int(rng, 0, 2) != 0},
          {"act", std::string(kActivations[random_int(rng, 0, 6)])}};
  if (random_int(rng, 0, 4) == 0)
    a["pad"] = std::string("same");
  else if (random_int(rng, 0, 1))
    a["pad"] = random_ints(rng, 2 * rank, 0, 2);  // begins, then ends
  else
    a["pad"] = random_int(rng, 0, 2);
  if (std::get<std::string>(a["act"]) != "none" && random_int(rng, 0, 1)) a["act_alpha"] = 0.3;
  ir::Shape x{N, c};
  for (int64_t d : spatial_for(rng, kernel, dilation)) x.dims.push_back(d);
  sweep.add("conv" + std::to_string(rank) + "d", x, a);
}

// One random conv_transpose2d: stride, padding of at most 1 per side
// (`pad_values` 2: symmetric; 4: begins and ends), output padding,
// dilation, 1-2 groups, bias, an activation, inputs of `least_input` to 7
// pixels a side (3 keeps every output positive with begins and ends).
// Sweeps of batch 2, seed 103: 14 cases symmetric from 2 pixels (Halide);
// 16 from 3 pixels, every fourth with begins and ends (Vulkan).
inline void add_random_conv_transpose(Sweep& sweep, size_t pad_values, int64_t least_input) {
  auto& rng = sweep.rng();
  const int64_t groups = random_int(rng, 1, 2);
  const Ints kernel = random_ints(rng, 2, 1, 4), stride = random_ints(rng, 2, 1, 3),
             dilation = random_ints(rng, 2, 1, 2);
  const Ints pad = random_ints(rng, pad_values, 0, 1);
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
          {"act", std::string(kActivations[random_int(rng, 0, 6)])}};
  sweep.add("conv_transpose2d",
            ir::Shape{N, groups * random_int(rng, 1, 3), random_int(rng, least_input, 7),
                      random_int(rng, least_input, 7)},
            a);
}

// One random local2d: stride, padding of at most 1 per side (`pad_values`
// 2: symmetric; 4: begins and ends), bias, an activation. Sweeps of batch
// 2, seed 104: 8 cases symmetric (Halide); 10, every third with begins and
// ends (Vulkan).
inline void add_random_local(Sweep& sweep, size_t pad_values) {
  auto& rng = sweep.rng();
  const Ints kernel = random_ints(rng, 2, 1, 3);
  Attrs a{{"filters", random_int(rng, 1, 4)},
          {"kernel", kernel},
          {"stride", random_ints(rng, 2, 1, 2)},
          {"pad", random_ints(rng, pad_values, 0, 1)},
          {"bias", random_int(rng, 0, 2) != 0},
          {"act", std::string(kActivations[random_int(rng, 0, 6)])}};
  ir::Shape x{N, random_int(rng, 1, 3)};
  for (int64_t d : spatial_for(rng, kernel, {1, 1})) x.dims.push_back(d);
  sweep.add("local2d", x, a);
}

// `cases` random maxpool, avgpool and l2pool layers in turn, each op over
// 1, 2 and 3 spatial axes in turn: strides (or the kernel), padding,
// ceil_mode, dilation (max) and count_include_pad (avg). Sweeps of batch
// 2, seed 201: 24 cases (Halide), 27 (Vulkan: the first 24 the same, and
// each op over 3 axes a third time).
inline void add_random_pooling_cases(Sweep& sweep, int cases) {
  auto& rng = sweep.rng();
  const char* ops[] = {"maxpool", "avgpool", "l2pool"};
  for (int i = 0; i < cases; ++i) {
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
}

// The pools of LeNet, ResNet and GoogLeNet, and the global pools over 1-3
// spatial axes; a sweep of batch 3, seed 202.
inline void add_network_pooling_cases(Sweep& sweep) {
  sweep.add("maxpool", ir::Shape{N, 6, 28, 28}, {{"kernel", 2}, {"stride", 2}});
  sweep.add("maxpool", ir::Shape{N, 8, 17, 17}, {{"kernel", 3}, {"stride", 2}, {"pad", 1}});
  sweep.add("maxpool", ir::Shape{N, 4, 13, 13},
            {{"kernel", 3}, {"stride", 2}, {"ceil_mode", true}});  // GoogLeNet's
  sweep.add("avgpool", ir::Shape{N, 4, 9, 11},
            {{"kernel", 3}, {"stride", 2}, {"pad", 1}, {"count_include_pad", true}});
  sweep.add("avgpool", ir::Shape{N, 4, 9, 11},
            {{"kernel", 2}, {"stride", 2}, {"ceil_mode", true}, {"count_include_pad", true}});
  sweep.add("global_avgpool", ir::Shape{N, 5, 7, 9});
  sweep.add("global_maxpool", ir::Shape{N, 5, 7, 9});
  sweep.add("global_avgpool", ir::Shape{N, 3, 11});
  sweep.add("global_maxpool", ir::Shape{N, 3, 3, 5, 7});
  sweep.add("global_avgpool", ir::Shape{N, 2, 1, 1});
}

// lrn of even and odd sizes, windows wider than the channels, inputs of
// rank 2 to 4; a sweep of batch 2, seed 302.
inline void add_lrn_cases(Sweep& sweep) {
  auto& rng = sweep.rng();
  for (int64_t size : {1, 2, 3, 5, 6})
    sweep.add("lrn", ir::Shape{N, random_int(rng, 3, 9), 3, 5},
              {{"size", size}, {"alpha", 0.5}, {"beta", 0.75}, {"k", 2.0}});
  sweep.add("lrn", ir::Shape{N, 7}, {{"size", 3}});
  sweep.add("lrn", ir::Shape{N, 4, 5}, {{"size", 9}, {"alpha", 1.0}});
}

// `op` (add or mul) broadcasting: equal shapes, stretched dims of 1, a
// missing leading dim, the batch from the second input, three operands; a
// sweep of batch 2, seed 303, for add then mul.
inline void add_broadcast_cases(Sweep& sweep, const std::string& op) {
  sweep.add(op, {ir::Shape{N, 3, 5, 7}, ir::Shape{N, 3, 5, 7}});
  sweep.add(op, {ir::Shape{N, 3, 5, 7}, ir::Shape{N, 3, 1, 1}});    // squeeze-and-excitation
  sweep.add(op, {ir::Shape{N, 3, 1, 7}, ir::Shape{5, 1}});          // both stretch, lower rank
  sweep.add(op, {ir::Shape{1, 4, 3}, ir::Shape{N, 1, 3}});          // batch from input 1
  sweep.add(op, {ir::Shape{N, 6}, ir::Shape{6}, ir::Shape{N, 1}});  // three operands
}

}  // namespace cnnc::test_util
