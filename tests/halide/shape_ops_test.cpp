// Halide lowering of dense, flatten, reshape and concat against the reference.
#include <gtest/gtest.h>

#include "tests/halide/sweep.h"

namespace cnnc::halide_test {
namespace {

using test_util::random_int;

TEST(HalideShapeOps, DenseFlattenReshapeConcat) {
  Sweep sweep("shape_ops", 3, 401);
  auto& rng = sweep.rng();
  const char* acts[] = {"none", "relu", "relu6", "leaky_relu", "tanh", "sigmoid", "elu"};
  for (int i = 0; i < 8; ++i)
    sweep.add("dense", ir::Shape{N, random_int(rng, 1, 40)},
              {{"units", random_int(rng, 1, 13)},
               {"bias", i % 3 != 0},
               {"act", std::string(acts[i % 7])}});
  sweep.add("dense", ir::Shape{N, 400}, {{"units", 120}, {"act", std::string("relu")}});
  // Fewer units than an AVX-512 vector: half vectors (LeNet-5's classifier).
  for (int64_t units : {8, 10, 15}) sweep.add("dense", ir::Shape{N, 84}, {{"units", units}});

  sweep.add("flatten", ir::Shape{N, 3, 5, 7});
  sweep.add("flatten", ir::Shape{N, 7});
  sweep.add("flatten", ir::Shape{N, 2, 3, 4, 5});
  sweep.add("flatten", ir::Shape{3, 2, 5, 7}, {{"axis", 2}});  // concrete batch: any axis
  sweep.add("flatten", ir::Shape{3, 2, 5}, {{"axis", 0}});

  sweep.add("reshape", ir::Shape{N, 3, 5, 7}, {{"shape", Ints{7, 15}}});
  sweep.add("reshape", ir::Shape{N, 3, 5, 7}, {{"shape", Ints{-1, 5}}});
  sweep.add("reshape", ir::Shape{N, 105}, {{"shape", Ints{5, 3, 7}}});
  sweep.add("reshape", ir::Shape{N, 6, 4}, {{"shape", Ints{2, 2, 2, 3}}});

  sweep.add("concat", {ir::Shape{N, 3, 5, 7}, ir::Shape{N, 1, 5, 7}, ir::Shape{N, 4, 5, 7}});
  sweep.add("concat", {ir::Shape{N, 3, 5, 7}, ir::Shape{N, 3, 2, 7}}, {{"axis", 2}});
  sweep.add("concat", {ir::Shape{N, 3, 5, 2}, ir::Shape{N, 3, 5, 9}}, {{"axis", -1}});
  sweep.add("concat", {ir::Shape{N, 6}});
  sweep.add("concat", {ir::Shape{3, 4}, ir::Shape{2, 4}}, {{"axis", 0}});
  sweep.check();
}

}  // namespace
}  // namespace cnnc::halide_test
