#include "backends/vulkan/context.h"

#include <fmt/format.h>

#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <utility>

namespace cnnc::backends::vulkan {

namespace {

constexpr const char* kValidationLayer = "VK_LAYER_KHRONOS_validation";

bool layer_available(const char* name) {
  uint32_t count = 0;
  vkEnumerateInstanceLayerProperties(&count, nullptr);
  std::vector<VkLayerProperties> layers(count);
  vkEnumerateInstanceLayerProperties(&count, layers.data());
  for (const auto& l : layers)
    if (std::strcmp(l.layerName, name) == 0) return true;
  return false;
}

}  // namespace

void check(VkResult r, const char* what) {
  if (r != VK_SUCCESS) throw std::runtime_error(fmt::format("{}: VkResult {}", what, int(r)));
}

VKAPI_ATTR VkBool32 VKAPI_CALL Context::on_message(VkDebugUtilsMessageSeverityFlagBitsEXT severity,
                                                   VkDebugUtilsMessageTypeFlagsEXT,
                                                   const VkDebugUtilsMessengerCallbackDataEXT* data,
                                                   void* self) {
  if (severity >= VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT) {
    auto* context = static_cast<Context*>(self);
    std::lock_guard lock(context->messages_mutex_);
    context->messages_.push_back(data->pMessage ? data->pMessage : "(no message)");
  }
  return VK_FALSE;
}

Context::Context(const ContextOptions& options) {
  // Choose the device first: list_devices() explains a missing driver.
  const std::vector<DeviceInfo> devices = list_devices();
  if (options.device) {
    if (*options.device >= devices.size())
      throw NoDeviceError(
          fmt::format("--device {}: there {} only {} Vulkan device{} (0 to {}); "
                      "`cnnc devices` lists them",
                      *options.device, devices.size() == 1 ? "is" : "are", devices.size(),
                      devices.size() == 1 ? "" : "s", devices.size() - 1));
    info_ = devices[*options.device];
    if (!info_.has_compute_queue)
      throw NoDeviceError(
          fmt::format("Vulkan device {} ({}) has no compute queue", info_.index, info_.name));
  } else {
    info_ = preferred_device(devices);
  }

  const char* staging = std::getenv("CNNC_VULKAN_STAGING");
  force_staging_ = options.force_staging || (staging && std::strcmp(staging, "1") == 0);
  const char* env = std::getenv("CNNC_VULKAN_VALIDATION");
  const bool validation = options.validation || (env && std::strcmp(env, "1") == 0);
  if (validation && !layer_available(kValidationLayer))
    throw NoDeviceError(
        "the Vulkan validation layer was asked for but is not installed (apt-get install "
        "vulkan-validationlayers)");

  VkApplicationInfo app{.sType = VK_STRUCTURE_TYPE_APPLICATION_INFO,
                        .pApplicationName = "cnnc",
                        .apiVersion = VK_API_VERSION_1_1};
  const char* layers[] = {kValidationLayer};
  const char* extensions[] = {VK_EXT_DEBUG_UTILS_EXTENSION_NAME};
  VkDebugUtilsMessengerCreateInfoEXT messenger{
      .sType = VK_STRUCTURE_TYPE_DEBUG_UTILS_MESSENGER_CREATE_INFO_EXT,
      .messageSeverity = VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT |
                         VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT,
      .messageType = VK_DEBUG_UTILS_MESSAGE_TYPE_GENERAL_BIT_EXT |
                     VK_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT |
                     VK_DEBUG_UTILS_MESSAGE_TYPE_PERFORMANCE_BIT_EXT,
      .pfnUserCallback = &Context::on_message,
      .pUserData = this};
  VkInstanceCreateInfo instance{.sType = VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO,
                                // Messages about creating the instance itself, too.
                                .pNext = validation ? &messenger : nullptr,
                                .pApplicationInfo = &app,
                                .enabledLayerCount = validation ? 1u : 0u,
                                .ppEnabledLayerNames = layers,
                                .enabledExtensionCount = validation ? 1u : 0u,
                                .ppEnabledExtensionNames = extensions};
  check(vkCreateInstance(&instance, nullptr, &instance_), "vkCreateInstance");
  if (validation) {
    auto create = reinterpret_cast<PFN_vkCreateDebugUtilsMessengerEXT>(
        vkGetInstanceProcAddr(instance_, "vkCreateDebugUtilsMessengerEXT"));
    if (!create) throw std::runtime_error("vkCreateDebugUtilsMessengerEXT is missing");
    check(create(instance_, &messenger, nullptr, &messenger_), "vkCreateDebugUtilsMessengerEXT");
  }

  uint32_t count = 0;
  vkEnumeratePhysicalDevices(instance_, &count, nullptr);
  std::vector<VkPhysicalDevice> physical(count);
  vkEnumeratePhysicalDevices(instance_, &count, physical.data());
  if (info_.index >= count) throw NoDeviceError("the Vulkan devices changed while opening one");
  physical_ = physical[info_.index];

  uint32_t families = 0;
  vkGetPhysicalDeviceQueueFamilyProperties(physical_, &families, nullptr);
  std::vector<VkQueueFamilyProperties> queues(families);
  vkGetPhysicalDeviceQueueFamilyProperties(physical_, &families, queues.data());
  uint32_t family = families;
  for (uint32_t f = 0; f < families && family == families; ++f)
    if (queues[f].queueFlags & VK_QUEUE_COMPUTE_BIT) family = f;
  const float priority = 1.0f;
  VkDeviceQueueCreateInfo queue{.sType = VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO,
                                .queueFamilyIndex = family,
                                .queueCount = 1,
                                .pQueuePriorities = &priority};
  VkDeviceCreateInfo device{.sType = VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO,
                            .queueCreateInfoCount = 1,
                            .pQueueCreateInfos = &queue};
  check(vkCreateDevice(physical_, &device, nullptr, &device_), "vkCreateDevice");
  vkGetDeviceQueue(device_, family, 0, &queue_);
  if (queues[family].timestampValidBits > 0) {
    VkPhysicalDeviceProperties properties{};
    vkGetPhysicalDeviceProperties(physical_, &properties);
    timestamp_period_ns_ = properties.limits.timestampPeriod;
  }
  VkCommandPoolCreateInfo pool{.sType = VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO,
                               .flags = VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT,
                               .queueFamilyIndex = family};
  check(vkCreateCommandPool(device_, &pool, nullptr, &pool_), "vkCreateCommandPool");
  VkPipelineCacheCreateInfo cache{.sType = VK_STRUCTURE_TYPE_PIPELINE_CACHE_CREATE_INFO};
  check(vkCreatePipelineCache(device_, &cache, nullptr, &pipeline_cache_), "vkCreatePipelineCache");
}

Context::~Context() {
  if (device_) {
    vkDeviceWaitIdle(device_);
    if (pool_) vkDestroyCommandPool(device_, pool_, nullptr);
    if (pipeline_cache_) vkDestroyPipelineCache(device_, pipeline_cache_, nullptr);
    vkDestroyDevice(device_, nullptr);
  }
  if (messenger_) {
    auto destroy = reinterpret_cast<PFN_vkDestroyDebugUtilsMessengerEXT>(
        vkGetInstanceProcAddr(instance_, "vkDestroyDebugUtilsMessengerEXT"));
    if (destroy) destroy(instance_, messenger_, nullptr);
  }
  if (instance_) vkDestroyInstance(instance_, nullptr);
}

uint32_t Context::memory_type(uint32_t type_bits, VkMemoryPropertyFlags properties) const {
  VkPhysicalDeviceMemoryProperties memory{};
  vkGetPhysicalDeviceMemoryProperties(physical_, &memory);
  for (uint32_t i = 0; i < memory.memoryTypeCount; ++i)
    if ((type_bits & (1u << i)) && (memory.memoryTypes[i].propertyFlags & properties) == properties)
      return i;
  throw std::runtime_error(fmt::format("{} has no memory type with properties {:#x}", info_.name,
                                       static_cast<unsigned>(properties)));
}

std::vector<std::string> Context::take_validation_messages() {
  std::lock_guard lock(messages_mutex_);
  return std::exchange(messages_, {});
}

void Context::submit_and_wait(VkCommandBuffer commands) const {
  VkFenceCreateInfo fence_info{.sType = VK_STRUCTURE_TYPE_FENCE_CREATE_INFO};
  VkFence fence = VK_NULL_HANDLE;
  check(vkCreateFence(device_, &fence_info, nullptr, &fence), "vkCreateFence");
  VkSubmitInfo submit{.sType = VK_STRUCTURE_TYPE_SUBMIT_INFO,
                      .commandBufferCount = 1,
                      .pCommandBuffers = &commands};
  VkResult r = vkQueueSubmit(queue_, 1, &submit, fence);
  if (r == VK_SUCCESS) r = vkWaitForFences(device_, 1, &fence, VK_TRUE, UINT64_MAX);
  vkDestroyFence(device_, fence, nullptr);
  check(r, "vkQueueSubmit/vkWaitForFences");
}

}  // namespace cnnc::backends::vulkan
