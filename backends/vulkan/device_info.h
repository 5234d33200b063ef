// What cnnc knows of a Vulkan device, in plain C++ so the CLI and the
// runtime can list devices without seeing vulkan.h (only backends/vulkan
// includes it).
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace cnnc::backends::vulkan {

enum class DeviceType { Discrete, Integrated, Virtual, Cpu, Other };

std::string to_string(DeviceType type);  // "discrete GPU", "integrated GPU", ..., "CPU"

struct DeviceInfo {
  uint32_t index = 0;  // the position in vkEnumeratePhysicalDevices' order (--device)
  std::string name;
  DeviceType type = DeviceType::Other;
  std::string api_version;          // "1.3.230"
  std::string driver;               // "llvmpipe (LLVM 15.0.6, 256 bits)" where the driver says
  uint64_t device_local_bytes = 0;  // the largest device-local heap
  bool has_compute_queue = false;
  uint32_t max_workgroup_invocations = 0;
  uint32_t max_workgroup_size[3] = {0, 0, 0};
  uint32_t max_shared_memory_bytes = 0;
  uint32_t subgroup_size = 0;  // 0 where the device does not say
  uint32_t max_push_constant_bytes = 0;
  uint32_t max_workgroup_count[3] = {0, 0, 0};
  uint64_t storage_offset_alignment = 0;  // of a storage-buffer binding's offset
  uint64_t max_storage_range = 0;         // bytes one storage-buffer binding may cover
};

// No Vulkan loader, no driver or no device with a compute queue: the
// message says which, and how to install a driver.
struct NoDeviceError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Every physical device the Vulkan loader reports, in its order. Throws
// NoDeviceError when there is no loader/driver or no device at all.
std::vector<DeviceInfo> list_devices();

// The device cnnc uses by default: one with a compute queue, preferring
// discrete > integrated > virtual > CPU, the first of a kind. Throws
// NoDeviceError when none has a compute queue.
const DeviceInfo& preferred_device(const std::vector<DeviceInfo>& devices);

}  // namespace cnnc::backends::vulkan
