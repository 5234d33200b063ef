// A Vulkan device opened for compute: instance (with the Khronos validation
// layer and a messenger collecting what it says, when asked), the chosen
// physical device, a logical device with one compute queue, and a command
// pool. Every Vulkan object of the backend is created from a Context and
// must not outlive it.
#pragma once

#include <vulkan/vulkan.h>

#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "backends/vulkan/device_info.h"

namespace cnnc::backends::vulkan {

struct ContextOptions {
  std::optional<uint32_t> device;  // an index of list_devices(); default: preferred_device()
  // Enable VK_LAYER_KHRONOS_validation and collect its messages (tests do;
  // also with CNNC_VULKAN_VALIDATION=1). Throws NoDeviceError when the
  // layer is not installed (Debian's vulkan-validationlayers).
  bool validation = false;
  // Treat device-local memory as a discrete GPU's even where the host could
  // map it: inputs, outputs and parameters then go through staging buffers
  // and transfer commands. Tests use it (also CNNC_VULKAN_STAGING=1) to run
  // the discrete path on lavapipe.
  bool force_staging = false;
};

class Context {
 public:
  // Throws NoDeviceError (no driver, no device, a --device out of range, no
  // compute queue) or std::runtime_error naming the failing call.
  explicit Context(const ContextOptions& options = {});
  ~Context();
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  const DeviceInfo& info() const { return info_; }
  bool force_staging() const { return force_staging_; }
  VkDevice device() const { return device_; }
  VkPhysicalDevice physical_device() const { return physical_; }
  VkQueue queue() const { return queue_; }
  VkCommandPool command_pool() const { return pool_; }
  // Shared by every pipeline made on this device, so executables compiled
  // one after another (a training step and its evaluation) reuse the
  // driver's compiled shaders.
  VkPipelineCache pipeline_cache() const { return pipeline_cache_; }
  // A memory type index with these properties among `type_bits`; throws
  // std::runtime_error when there is none.
  uint32_t memory_type(uint32_t type_bits, VkMemoryPropertyFlags properties) const;

  // Nanoseconds per tick of the compute queue's timestamps; 0 where the
  // queue has none (profiling then times whole runs).
  double timestamp_period_ns() const { return timestamp_period_ns_; }

  // What the validation layer has said so far (warnings and errors), and
  // clears it. Empty without validation.
  std::vector<std::string> take_validation_messages();

  // Submits one recorded command buffer and waits for it.
  void submit_and_wait(VkCommandBuffer commands) const;
  // The queue and the command pool are not thread-safe: whoever records
  // and submits holds this.
  std::mutex& command_mutex() const { return command_mutex_; }

 private:
  static VKAPI_ATTR VkBool32 VKAPI_CALL on_message(VkDebugUtilsMessageSeverityFlagBitsEXT severity,
                                                   VkDebugUtilsMessageTypeFlagsEXT type,
                                                   const VkDebugUtilsMessengerCallbackDataEXT* data,
                                                   void* self);

  VkInstance instance_ = VK_NULL_HANDLE;
  VkDebugUtilsMessengerEXT messenger_ = VK_NULL_HANDLE;
  VkPhysicalDevice physical_ = VK_NULL_HANDLE;
  VkDevice device_ = VK_NULL_HANDLE;
  VkQueue queue_ = VK_NULL_HANDLE;
  VkCommandPool pool_ = VK_NULL_HANDLE;
  VkPipelineCache pipeline_cache_ = VK_NULL_HANDLE;
  DeviceInfo info_;
  double timestamp_period_ns_ = 0;
  bool force_staging_ = false;
  std::mutex messages_mutex_;
  mutable std::mutex command_mutex_;
  std::vector<std::string> messages_;
};

// Throws std::runtime_error("<what>: VkResult <r>") unless r is VK_SUCCESS.
void check(VkResult r, const char* what);

}  // namespace cnnc::backends::vulkan
