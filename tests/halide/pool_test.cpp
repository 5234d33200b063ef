// Halide lowering of maxpool/avgpool/l2pool (1-3 D, padding, ceil_mode,
// count_include_pad, dilation) and global pooling against the reference.
#include <gtest/gtest.h>

#include "tests/halide/sweep.h"

namespace cnnc::halide_test {
namespace {

using test_util::random_int;

TEST(HalidePool, RandomSweepOverRanksPaddingCeilModeAndDivisors) {
  Sweep sweep("pool_sweep", 2, 201);
  auto& rng = sweep.rng();
  const char* ops[] = {"maxpool", "avgpool", "l2pool"};
  for (int i = 0; i < 24; ++i) {
    std::string op = ops[i % 3];
    size_t rank = static_cast<size_t>(1 + (i / 3) % 3);
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
  sweep.check();
}

TEST(HalidePool, NetworkShapedLayersAndGlobalPooling) {
  Sweep sweep("pool_layers", 3, 202);
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
  sweep.check();
}

}  // namespace
}  // namespace cnnc::halide_test
