#include "backends/vulkan/device_info.h"

#include <fmt/format.h>
#include <vulkan/vulkan.h>

#include <algorithm>
#include <array>

namespace cnnc::backends::vulkan {

namespace {

constexpr const char* kInstallHint =
    "install a Vulkan driver: Mesa's `mesa-vulkan-drivers` (apt-get install "
    "mesa-vulkan-drivers) brings lavapipe, which runs on the CPU, and the drivers of AMD and "
    "Intel GPUs; NVIDIA's come with its proprietary driver";

// The instance used only to enumerate devices; destroyed on scope exit.
class EnumerationInstance {
 public:
  EnumerationInstance() {
    VkApplicationInfo app{.sType = VK_STRUCTURE_TYPE_APPLICATION_INFO,
                          .pApplicationName = "cnnc",
                          .apiVersion = VK_API_VERSION_1_1};
    VkInstanceCreateInfo info{.sType = VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO,
                              .pApplicationInfo = &app};
    const VkResult r = vkCreateInstance(&info, nullptr, &instance_);
    if (r == VK_ERROR_INCOMPATIBLE_DRIVER)
      throw NoDeviceError(fmt::format("no Vulkan driver found; {}", kInstallHint));
    if (r != VK_SUCCESS)
      throw NoDeviceError(
          fmt::format("cannot create a Vulkan instance (VkResult {}); {}", int(r), kInstallHint));
  }
  ~EnumerationInstance() { vkDestroyInstance(instance_, nullptr); }
  EnumerationInstance(const EnumerationInstance&) = delete;
  EnumerationInstance& operator=(const EnumerationInstance&) = delete;
  VkInstance get() const { return instance_; }

 private:
  VkInstance instance_ = VK_NULL_HANDLE;
};

DeviceType device_type(VkPhysicalDeviceType t) {
  switch (t) {
    case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU:
      return DeviceType::Discrete;
    case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU:
      return DeviceType::Integrated;
    case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU:
      return DeviceType::Virtual;
    case VK_PHYSICAL_DEVICE_TYPE_CPU:
      return DeviceType::Cpu;
    default:
      return DeviceType::Other;
  }
}

std::string version_text(uint32_t v) {
  return fmt::format("{}.{}.{}", VK_API_VERSION_MAJOR(v), VK_API_VERSION_MINOR(v),
                     VK_API_VERSION_PATCH(v));
}

DeviceInfo describe(VkPhysicalDevice device, uint32_t index) {
  VkPhysicalDeviceSubgroupProperties subgroup{
      .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_PROPERTIES};
  VkPhysicalDeviceDriverProperties driver{
      .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_DRIVER_PROPERTIES, .pNext = &subgroup};
  VkPhysicalDeviceProperties2 props{.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2};
  VkPhysicalDeviceProperties basic{};
  vkGetPhysicalDeviceProperties(device, &basic);
  // Driver properties are core in 1.2; ask only a device that has them.
  if (basic.apiVersion >= VK_API_VERSION_1_2)
    props.pNext = &driver;
  else
    props.pNext = &subgroup;
  vkGetPhysicalDeviceProperties2(device, &props);
  const VkPhysicalDeviceLimits& limits = props.properties.limits;

  DeviceInfo d;
  d.index = index;
  d.name = props.properties.deviceName;
  d.type = device_type(props.properties.deviceType);
  d.api_version = version_text(props.properties.apiVersion);
  if (basic.apiVersion >= VK_API_VERSION_1_2) {
    d.driver = driver.driverName;
    if (driver.driverInfo[0]) d.driver += std::string(" (") + driver.driverInfo + ")";
  }
  d.max_workgroup_invocations = limits.maxComputeWorkGroupInvocations;
  for (int i = 0; i < 3; ++i) d.max_workgroup_size[i] = limits.maxComputeWorkGroupSize[i];
  d.max_shared_memory_bytes = limits.maxComputeSharedMemorySize;
  d.max_push_constant_bytes = limits.maxPushConstantsSize;
  for (int i = 0; i < 3; ++i) d.max_workgroup_count[i] = limits.maxComputeWorkGroupCount[i];
  d.storage_offset_alignment = limits.minStorageBufferOffsetAlignment;
  d.max_storage_range = limits.maxStorageBufferRange;
  d.subgroup_size = subgroup.subgroupSize;

  VkPhysicalDeviceMemoryProperties memory{};
  vkGetPhysicalDeviceMemoryProperties(device, &memory);
  for (uint32_t h = 0; h < memory.memoryHeapCount; ++h)
    if (memory.memoryHeaps[h].flags & VK_MEMORY_HEAP_DEVICE_LOCAL_BIT)
      d.device_local_bytes = std::max<uint64_t>(d.device_local_bytes, memory.memoryHeaps[h].size);

  uint32_t families = 0;
  vkGetPhysicalDeviceQueueFamilyProperties(device, &families, nullptr);
  std::vector<VkQueueFamilyProperties> queues(families);
  vkGetPhysicalDeviceQueueFamilyProperties(device, &families, queues.data());
  d.has_compute_queue = std::any_of(queues.begin(), queues.end(), [](const auto& q) {
    return (q.queueFlags & VK_QUEUE_COMPUTE_BIT) != 0;
  });
  return d;
}

}  // namespace

std::string to_string(DeviceType type) {
  switch (type) {
    case DeviceType::Discrete:
      return "discrete GPU";
    case DeviceType::Integrated:
      return "integrated GPU";
    case DeviceType::Virtual:
      return "virtual GPU";
    case DeviceType::Cpu:
      return "CPU";
    case DeviceType::Other:
      break;
  }
  return "other";
}

std::vector<DeviceInfo> list_devices() {
  EnumerationInstance instance;
  uint32_t count = 0;
  vkEnumeratePhysicalDevices(instance.get(), &count, nullptr);
  if (count == 0) throw NoDeviceError(fmt::format("no Vulkan device found; {}", kInstallHint));
  std::vector<VkPhysicalDevice> devices(count);
  vkEnumeratePhysicalDevices(instance.get(), &count, devices.data());
  std::vector<DeviceInfo> out;
  for (uint32_t i = 0; i < count; ++i) out.push_back(describe(devices[i], i));
  return out;
}

const DeviceInfo& preferred_device(const std::vector<DeviceInfo>& devices) {
  static constexpr std::array kOrder{DeviceType::Discrete, DeviceType::Integrated,
                                     DeviceType::Virtual, DeviceType::Cpu, DeviceType::Other};
  for (DeviceType type : kOrder)
    for (const DeviceInfo& d : devices)
      if (d.type == type && d.has_compute_queue) return d;
  throw NoDeviceError(fmt::format("none of the {} Vulkan device(s) has a compute queue; {}",
                                  devices.size(), kInstallHint));
}

}  // namespace cnnc::backends::vulkan
