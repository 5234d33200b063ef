// A compute shader end to end on this machine's Vulkan device (lavapipe in
// CI): embedded SPIR-V, buffers, a pipeline with push constants and a
// specialized workgroup size, one dispatch; with the validation layer on,
// and any message it prints failing the test.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <random>
#include <vector>

#include "backends/vulkan/buffer.h"
#include "backends/vulkan/compute_pipeline.h"
#include "backends/vulkan/context.h"
#include "backends/vulkan/shader_table.h"

namespace cnnc::backends::vulkan {
namespace {

TEST(VulkanCompute, EveryEmbeddedShaderHasSpirvsMagicNumber) {
  ASSERT_FALSE(shader_table().empty());
  for (const auto& [name, words] : shader_table()) {
    ASSERT_GE(words.size(), 5u) << name;
    EXPECT_EQ(words[0], 0x07230203u) << name;
  }
}

TEST(VulkanCompute, ReluMatchesTheCpuWithTheValidationLayerSilent) {
  Context context({.validation = true});
  std::mt19937 rng(3);
  std::normal_distribution<float> normal;
  for (uint32_t count : {1u, 63u, 64u, 1000u, 4099u}) {
    std::vector<float> x(count), y(count, -1.0f);
    for (float& v : x) v = normal(rng);
    Buffer in(context, count), out(context, count);
    in.upload(x);
    ComputePipeline relu(context, "relu", 2, sizeof(uint32_t), 64);
    Buffer* buffers[] = {&in, &out};
    const auto push = std::as_bytes(std::span<const uint32_t>(&count, 1));
    relu.dispatch(buffers, push, (count + 63) / 64);
    out.download(y);
    for (uint32_t i = 0; i < count; ++i) ASSERT_EQ(y[i], std::max(x[i], 0.0f)) << i;
  }
  EXPECT_TRUE(context.take_validation_messages().empty());
}

TEST(VulkanCompute, TheValidationLayerIsListening) {
  // relu reads push constants; a layout without them is invalid, and the
  // layer must say so (else "no message" above would prove nothing).
  Context context({.validation = true});
  try {
    ComputePipeline wrong(context, "relu", 2, 0, 64);
  } catch (const std::runtime_error&) {
    // Drivers may also refuse it outright.
  }
  EXPECT_FALSE(context.take_validation_messages().empty());
}

TEST(VulkanCompute, MisuseIsReportedNotCrashed) {
  Context context;
  EXPECT_THROW(ComputePipeline(context, "no_such_shader", 1, 0, 64), std::invalid_argument);
  ComputePipeline relu(context, "relu", 2, sizeof(uint32_t), 64);
  Buffer in(context, 4);
  Buffer* one[] = {&in};
  const uint32_t count = 4;
  EXPECT_THROW(relu.dispatch(one, std::as_bytes(std::span<const uint32_t>(&count, 1)), 1),
               std::invalid_argument);
  std::vector<float> too_many(5);
  EXPECT_THROW(in.upload(too_many), std::invalid_argument);
  EXPECT_THROW(Context({.device = 99}), NoDeviceError);
}

}  // namespace
}  // namespace cnnc::backends::vulkan
