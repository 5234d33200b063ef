// The backward ops of the rarer layers on the Vulkan backend against the
// reference with the validation layer on, over the Halide backend's cases
// (tests/backends/rare_backward_cases.h): the transposed convolution's
// (1-3 spatial axes), the locally connected layer's and LRN's gradients,
// each at batch sizes 1, odd and even.
#include <gtest/gtest.h>

#include "tests/backends/rare_backward_cases.h"
#include "tests/vulkan/vulkan_sweep.h"

namespace cnnc::vulkan_test {
namespace {

TEST(VulkanBackwardRare, ConvTransposeGradientsOverRandomWindows) {
  Sweep sweep("conv_transpose_grad", 3, 51);
  test_util::add_conv_transpose_gradient_cases(sweep, 18);
  sweep.check();
}

TEST(VulkanBackwardRare, ConvTransposeGradientsAtOtherBatchSizes) {
  for (int64_t batch : {1, 8, 7}) {
    Sweep sweep(fmt::format("conv_transpose_grad_{}", batch), batch,
                static_cast<uint32_t>(60 + batch));
    test_util::add_conv_transpose_gradient_cases(sweep, 6);
    sweep.check();
  }
}

TEST(VulkanBackwardRare, ConvTransposeGradientsOfDecoderLayers) {
  Sweep sweep("decoder_grad", 5, 9);
  test_util::add_decoder_conv_transpose_gradient_cases(sweep);
  sweep.check();
}

TEST(VulkanBackwardRare, LocalGradientsOverRandomWindows) {
  for (int64_t batch : {1, 3, 8}) {
    Sweep sweep(fmt::format("local_grad_{}", batch), batch, static_cast<uint32_t>(70 + batch));
    test_util::add_local_gradient_cases(sweep, batch == 3 ? 12 : 6);
    sweep.check();
  }
}

TEST(VulkanBackwardRare, LrnGradientOverRandomShapes) {
  for (int64_t batch : {1, 5, 4}) {
    Sweep sweep(fmt::format("lrn_grad_{}", batch), batch, static_cast<uint32_t>(80 + batch));
    test_util::add_lrn_gradient_cases(sweep);
    sweep.check();
  }
}

TEST(VulkanBackwardRare, LrnGradientOfAlexNetLayer) {
  Sweep sweep("lrn_grad_alexnet", 2, 3);
  test_util::add_alexnet_lrn_gradient_cases(sweep);
  sweep.check();
}

}  // namespace
}  // namespace cnnc::vulkan_test
