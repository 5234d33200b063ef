// The Vulkan backend's backward kernels (conv_grad, pool_grad, dense_grad,
// activation_grad, sum_to_channels, sum_to_shape) against the reference,
// with the validation layer on: the shared cases of
// tests/backends/backward_cases.h, and cases for the kernels' own paths
// (the global pools, shared sums of every width, tensors larger than one
// dispatch's workgroups).
#include <gtest/gtest.h>

#include <cmath>

#include "tests/backends/backward_cases.h"
#include "tests/vulkan/vulkan_sweep.h"

namespace cnnc::vulkan_test {
namespace {

TEST(VulkanBackward, ConvolutionGradientsOverRandomWindows) {
  Sweep sweep("conv_grad", 3, 11);
  test_util::add_convolution_gradient_cases(sweep);
  sweep.check();
}

// LeNet-5's layers, and a batch that does not split evenly into dW's chunks.
TEST(VulkanBackward, ConvolutionGradientsOfLeNetLayers) {
  for (int64_t batch : {64, 7}) {
    Sweep sweep("lenet_grad", batch, 5);
    test_util::add_lenet_convolution_gradient_cases(sweep);
    sweep.check();
  }
}

TEST(VulkanBackward, PoolingGradientsOverRandomWindows) {
  Sweep sweep("pool_grad", 2, 23);
  test_util::add_pooling_gradient_cases(sweep);
  sweep.check();
}

// The global pools' gradients (a window covering the input, as
// ir/ops/pool_grad.cpp writes them) and other max pools with one window per
// plane, which have a kernel of their own; ties as the reference breaks
// them (the first maximum).
TEST(VulkanBackward, OneWindowPoolingGradients) {
  Sweep sweep("pool_grad_window", 3, 29);
  const Ints spatials[] = {{37}, {7, 7}, {20, 20}, {3, 4, 5}};
  for (const Ints& s : spatials)
    for (const char* pool : {"max", "avg"}) {
      const ir::Shape x = test_util::shape_of(N, 4, s),
                      y = test_util::shape_of(N, 4, Ints(s.size(), 1));
      sweep.add("pool_grad", {x, y, y}, {{"pool", std::string(pool)}, {"kernel", s}});
      for (float& v : sweep.last_inputs(3)[0].data()) v = std::round(v * 2.0f);
    }
  // With padding and dilation, so some taps fall outside the input, and folded activations.
  sweep.add("pool_grad", {ir::Shape{N, 2, 3, 3}, ir::Shape{N, 2, 1, 1}, ir::Shape{N, 2, 1, 1}},
            {{"pool", std::string("max")},
             {"kernel", Ints{3, 3}},
             {"pad", Ints{1, 1}},
             {"stride", Ints{3, 3}}});
  sweep.add("pool_grad", {ir::Shape{N, 2, 3, 5}, ir::Shape{N, 2, 1, 1}, ir::Shape{N, 2, 1, 1}},
            {{"pool", std::string("max")},
             {"kernel", Ints{2, 3}},
             {"dilation", Ints{2, 2}},
             {"act", std::string("relu")}});
  for (const char* act : {"tanh", "elu"}) {
    sweep.add("pool_grad", {ir::Shape{N, 5, 6, 6}, ir::Shape{N, 5, 1, 1}, ir::Shape{N, 5, 1, 1}},
              {{"pool", std::string("max")}, {"kernel", Ints{6, 6}}, {"act", std::string(act)}});
    sweep.add("pool_grad", {ir::Shape{N, 5, 6, 6}, ir::Shape{N, 5, 1, 1}, ir::Shape{N, 5, 1, 1}},
              {{"pool", std::string("avg")}, {"kernel", Ints{6, 6}}, {"act", std::string(act)}});
  }
  sweep.check();
}

// activation_grad, dense_grad_input/weight, sum_to_channels, sum_to_shape.
TEST(VulkanBackward, ActivationDenseAndSumGradients) {
  Sweep sweep("small_grad", 4, 31);
  for (const char* act : {"none", "relu", "relu6", "leaky_relu", "tanh", "sigmoid", "elu"}) {
    sweep.add("activation_grad", {ir::Shape{N, 3, 5, 7}, ir::Shape{N, 3, 5, 7}},
              {{"act", std::string(act)}});
    // y over relu6's upper bend as well.
    for (float& v : sweep.last_inputs(2)[0].data()) v *= 8.0f;
  }
  sweep.add("activation_grad", {ir::Shape{N, 30}, ir::Shape{N, 30}},
            {{"act", std::string("leaky_relu")}, {"act_alpha", 0.2}});
  sweep.add("activation_grad", {ir::Shape{N, 30}, ir::Shape{N, 30}},
            {{"act", std::string("elu")}, {"act_alpha", 0.5}});
  sweep.add("dense_grad_input", {ir::Shape{N, 13}, ir::Shape{13, 21}});
  sweep.add("dense_grad_weight", {ir::Shape{N, 13}, ir::Shape{N, 21}});
  // LeNet-5's f1 and f3.
  sweep.add("dense_grad_input", {ir::Shape{N, 120}, ir::Shape{120, 400}});
  sweep.add("dense_grad_weight", {ir::Shape{N, 120}, ir::Shape{N, 400}});
  sweep.add("dense_grad_input", {ir::Shape{N, 10}, ir::Shape{10, 84}});
  sweep.add("sum_to_channels", ir::Shape{N, 5, 6, 7});
  sweep.add("sum_to_channels", ir::Shape{N, 9});
  sweep.add("sum_to_channels", ir::Shape{N, 1, 3, 3});
  sweep.add("sum_to_channels", ir::Shape{N, 64, 30, 30});  // 3600 terms: whole workgroups
  sweep.add("sum_to_shape", {ir::Shape{N, 3, 4, 5}, ir::Shape{3, 1, 5}});
  sweep.add("sum_to_shape", {ir::Shape{N, 3, 4}, ir::Shape{4}});
  sweep.add("sum_to_shape", {ir::Shape{N, 3, 4}, ir::Shape{N, 3, 4}});
  sweep.add("sum_to_shape", {ir::Shape{N, 2, 3, 4, 5}, ir::Shape{N, 1, 3, 1, 5}});
  sweep.add("sum_to_shape", {ir::Shape{N, 6, 1, 7}, ir::Shape{1, 1, 1}});
  sweep.check();
}

// Sums over a batch long enough for several invocations to share each.
TEST(VulkanBackward, SumsOverALongBatch) {
  Sweep sweep("long_batch", 300, 37);
  sweep.add("dense_grad_weight", {ir::Shape{N, 13}, ir::Shape{N, 21}});
  sweep.add("dense_grad_input", {ir::Shape{N, 7}, ir::Shape{7, 5}});
  sweep.add("sum_to_channels", ir::Shape{N, 9});
  sweep.add("sum_to_shape", {ir::Shape{N, 3, 2}, ir::Shape{3, 1}});
  sweep.check();
}

// More elements or outputs than 65535 workgroups of 64 cover: the shaders
// step over the rest.
TEST(VulkanBackward, TensorsBeyondOneDispatchsWorkgroups) {
  Sweep sweep("large", 2, 43);
  const int64_t wide = 65535 * 64 + 1000;
  sweep.add("activation_grad", {ir::Shape{N, wide}, ir::Shape{N, wide}},
            {{"act", std::string("sigmoid")}});
  sweep.add("sum_to_shape", {ir::Shape{N, wide}, ir::Shape{wide}});
  sweep.check();
}

}  // namespace
}  // namespace cnnc::vulkan_test
