// Halide lowering of the activations, batchnorm, lrn, softmax/log_softmax,
// dropout and broadcasting add/mul against the reference (lrn and add/mul
// the cases of tests/backends/forward_cases.h).
#include <gtest/gtest.h>

#include "tests/backends/forward_cases.h"
#include "tests/halide/sweep.h"

namespace cnnc::halide_test {
namespace {

using test_util::random_int;

ir::Shape random_shape(std::mt19937& rng, size_t rank) {
  ir::Shape s{N};
  for (size_t d = 1; d < rank; ++d) s.dims.push_back(random_int(rng, 1, 7));
  return s;
}

TEST(HalideElementwise, ActivationsBatchnormDropoutOnEveryRank) {
  Sweep sweep("elementwise", 3, 301);
  auto& rng = sweep.rng();
  for (size_t rank = 2; rank <= 5; ++rank) {
    for (const char* op : {"relu", "relu6", "tanh", "sigmoid"})
      sweep.add(op, random_shape(rng, rank));
    sweep.add("leaky_relu", random_shape(rng, rank), {{"alpha", 0.2}});
    sweep.add("elu", random_shape(rng, rank), {{"alpha", 0.7}});
    sweep.add("batchnorm", random_shape(rng, rank), {{"eps", 1e-3}});
    sweep.add("dropout", random_shape(rng, rank), {{"rate", 0.3}});
  }
  sweep.add("leaky_relu", ir::Shape{N, 5});  // default alpha
  sweep.add("leaky_relu", ir::Shape{N, 5}, {{"alpha", 0.0}});
  sweep.add("elu", ir::Shape{N, 5});
  sweep.check();
}

TEST(HalideElementwise, LrnAndSoftmaxAlongEveryAxis) {
  Sweep sweep("normalizations", 2, 302);
  test_util::add_lrn_cases(sweep);
  for (const char* op : {"softmax", "log_softmax"}) {
    sweep.add(op, ir::Shape{N, 10});
    sweep.add(op, ir::Shape{N, 1000});
    sweep.add(op, ir::Shape{N, 5, 3, 7}, {{"axis", 1}});
    sweep.add(op, ir::Shape{N, 5, 3, 7}, {{"axis", -1}});
    sweep.add(op, ir::Shape{N, 5, 3, 7}, {{"axis", 2}});
    sweep.add(op, ir::Shape{N, 4}, {{"axis", 0}});  // across the batch
  }
  sweep.check();
}

TEST(HalideElementwise, AddAndMulBroadcast) {
  Sweep sweep("binary", 2, 303);
  for (const char* op : {"add", "mul"}) test_util::add_broadcast_cases(sweep, op);
  sweep.check();
}

}  // namespace
}  // namespace cnnc::halide_test
