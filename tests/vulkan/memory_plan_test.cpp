// The Vulkan backend's arena plan (no device needed): tensors alive at the
// same time never overlap, dead tensors' space is reused, offsets keep the
// binding alignment.
#include "backends/vulkan/memory_plan.h"

#include <gtest/gtest.h>

#include <random>

namespace cnnc::backends::vulkan {
namespace {

bool alive_together(const TensorLifetime& a, const TensorLifetime& b) {
  return a.first <= b.last && b.first <= a.last;
}

void expect_valid(std::span<const TensorLifetime> tensors, const MemoryPlan& plan,
                  uint64_t alignment) {
  ASSERT_EQ(plan.offsets.size(), tensors.size());
  for (size_t i = 0; i < tensors.size(); ++i) {
    EXPECT_EQ(plan.offsets[i] % alignment, 0u) << i;
    EXPECT_LE(plan.offsets[i] + tensors[i].bytes, plan.bytes) << i;
    for (size_t j = i + 1; j < tensors.size(); ++j)
      if (alive_together(tensors[i], tensors[j])) {
        EXPECT_TRUE(plan.offsets[i] + tensors[i].bytes <= plan.offsets[j] ||
                    plan.offsets[j] + tensors[j].bytes <= plan.offsets[i])
            << "tensors " << i << " and " << j << " overlap";
      }
  }
}

TEST(VulkanMemoryPlan, AChainReusesTheSpaceOfDeadTensors) {
  // x -> a -> b -> c: at most two alive at once.
  const std::vector<TensorLifetime> chain{
      {.bytes = 1000, .first = -1, .last = 0},
      {.bytes = 1000, .first = 0, .last = 1},
      {.bytes = 1000, .first = 1, .last = 2},
      {.bytes = 1000, .first = 2, .last = 3},
  };
  const MemoryPlan plan = plan_memory(chain, 256);
  expect_valid(chain, plan, 256);
  EXPECT_EQ(plan.bytes, 2u * 1024u);
}

TEST(VulkanMemoryPlan, RandomLifetimesNeverOverlapAndBeatOneBufferEach) {
  std::mt19937 rng(3);
  for (int round = 0; round < 50; ++round) {
    std::vector<TensorLifetime> tensors;
    uint64_t separate = 0;
    const int count = std::uniform_int_distribution<int>(1, 40)(rng);
    for (int i = 0; i < count; ++i) {
      const int64_t first = std::uniform_int_distribution<int64_t>(-1, 30)(rng);
      const int64_t last = first + std::uniform_int_distribution<int64_t>(0, 6)(rng);
      const uint64_t bytes = std::uniform_int_distribution<uint64_t>(1, 5000)(rng);
      tensors.push_back({bytes, first, last});
      separate += (bytes + 63) / 64 * 64;
    }
    const MemoryPlan plan = plan_memory(tensors, 64);
    expect_valid(tensors, plan, 64);
    EXPECT_LE(plan.bytes, separate);
  }
}

TEST(VulkanMemoryPlan, AnAlignmentThatIsNotAPowerOfTwoIsRefused) {
  EXPECT_THROW(plan_memory({}, 48), std::invalid_argument);
}

}  // namespace
}  // namespace cnnc::backends::vulkan
