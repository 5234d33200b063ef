// Device discovery on this machine's Vulkan loader: CI has Mesa's lavapipe
// (a CPU device), so there is always at least one device with a compute
// queue; the preference order is checked on made-up lists.
#include <gtest/gtest.h>

#include <cstdlib>

#include "backends/vulkan/device_info.h"

namespace cnnc::backends::vulkan {
namespace {

TEST(VulkanDevices, LavapipeIsFoundAndDescribed) {
  const std::vector<DeviceInfo> devices = list_devices();
  ASSERT_FALSE(devices.empty());
  bool lavapipe = false;
  for (const DeviceInfo& d : devices) {
    EXPECT_FALSE(d.name.empty());
    EXPECT_GE(d.max_workgroup_invocations, 128u) << d.name;  // the Vulkan minimum
    EXPECT_GE(d.max_shared_memory_bytes, 16384u) << d.name;
    EXPECT_GE(d.max_push_constant_bytes, 128u) << d.name;
    if (d.name.find("llvmpipe") != std::string::npos) {
      lavapipe = true;
      EXPECT_EQ(d.type, DeviceType::Cpu);
      EXPECT_TRUE(d.has_compute_queue);
    }
  }
  EXPECT_TRUE(lavapipe) << "Mesa's lavapipe (mesa-vulkan-drivers) is expected here";
  EXPECT_TRUE(preferred_device(devices).has_compute_queue);
}

TEST(VulkanDevices, PreferenceIsDiscreteThenIntegratedThenVirtualThenCpu) {
  auto device = [](uint32_t index, DeviceType type, bool compute = true) {
    DeviceInfo d;
    d.index = index;
    d.type = type;
    d.has_compute_queue = compute;
    return d;
  };
  EXPECT_EQ(preferred_device({device(0, DeviceType::Cpu), device(1, DeviceType::Integrated),
                              device(2, DeviceType::Discrete)})
                .index,
            2u);
  EXPECT_EQ(preferred_device({device(0, DeviceType::Cpu), device(1, DeviceType::Integrated)}).index,
            1u);
  EXPECT_EQ(
      preferred_device({device(0, DeviceType::Discrete, false), device(1, DeviceType::Cpu)}).index,
      1u);
  EXPECT_THROW(preferred_device({device(0, DeviceType::Discrete, false)}), NoDeviceError);
}

TEST(VulkanDevices, NoDriverIsAClearError) {
  // The loader reads its drivers from here instead of the system's.
  ::setenv("VK_ICD_FILENAMES", "/nonexistent/icd.json", 1);
  try {
    list_devices();
    ADD_FAILURE() << "no error";
  } catch (const NoDeviceError& e) {
    EXPECT_NE(std::string(e.what()).find("mesa-vulkan-drivers"), std::string::npos) << e.what();
  }
  ::unsetenv("VK_ICD_FILENAMES");
}

}  // namespace
}  // namespace cnnc::backends::vulkan
