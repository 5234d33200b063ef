// Halide lowering of conv1d/2d/3d, conv_transpose2d and local2d against the
// reference backend on random odd shapes and attribute combinations.
#include <gtest/gtest.h>

#include "tests/halide/sweep.h"

namespace cnnc::halide_test {
namespace {

using test_util::random_int;

// Spatial extents each at least the dilated kernel, so every pad is valid.
std::vector<int64_t> spatial_for(std::mt19937& rng, const Ints& kernel, const Ints& dilation) {
  std::vector<int64_t> dims;
  for (size_t a = 0; a < kernel.size(); ++a)
    dims.push_back(dilation[a] * (kernel[a] - 1) + 1 + random_int(rng, 0, 6));
  return dims;
}

Ints random_ints(std::mt19937& rng, size_t n, int64_t lo, int64_t hi) {
  Ints v;
  for (size_t i = 0; i < n; ++i) v.push_back(random_int(rng, lo, hi));
  return v;
}

const char* kActs[] = {"none", "relu", "relu6", "leaky_relu", "tanh", "sigmoid", "elu"};

TEST(HalideConv, RandomSweepOverRanksStridesPaddingDilationGroups) {
  Sweep sweep("conv_sweep", 2, 101);
  auto& rng = sweep.rng();
  for (int i = 0; i < 24; ++i) {
    size_t rank = static_cast<size_t>(1 + i % 3);
    int64_t groups = random_int(rng, 1, 3);
    int64_t c = groups * random_int(rng, 1, 3), k = groups * random_int(rng, 1, 3);
    Ints kernel = random_ints(rng, rank, 1, rank == 3 ? 2 : 4);
    Ints dilation = random_ints(rng, rank, 1, 2);
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
    ir::Shape x{N, c};
    for (auto d : spatial_for(rng, kernel, dilation)) x.dims.push_back(d);
    sweep.add("conv" + std::to_string(rank) + "d", x, a);
  }
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
  auto& rng = sweep.rng();
  for (int i = 0; i < 14; ++i) {
    int64_t groups = random_int(rng, 1, 2);
    Ints kernel = random_ints(rng, 2, 1, 4), stride = random_ints(rng, 2, 1, 3),
         dilation = random_ints(rng, 2, 1, 2);
    Ints pad = random_ints(rng, 2, 0, 1);
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
        ir::Shape{N, groups * random_int(rng, 1, 3), random_int(rng, 2, 7), random_int(rng, 2, 7)},
        a);
  }
  sweep.check();
}

TEST(HalideLocal, RandomSweep) {
  Sweep sweep("local_sweep", 2, 104);
  auto& rng = sweep.rng();
  for (int i = 0; i < 8; ++i) {
    Ints kernel = random_ints(rng, 2, 1, 3);
    Attrs a{
        {"filters", random_int(rng, 1, 4)},    {"kernel", kernel},
        {"stride", random_ints(rng, 2, 1, 2)}, {"pad", random_ints(rng, 2, 0, 1)},
        {"bias", random_int(rng, 0, 2) != 0},  {"act", std::string(kActs[random_int(rng, 0, 6)])}};
    ir::Shape x{N, random_int(rng, 1, 3)};
    for (auto d : spatial_for(rng, kernel, {1, 1})) x.dims.push_back(d);
    sweep.add("local2d", x, a);
  }
  sweep.check();
}

}  // namespace
}  // namespace cnnc::halide_test
