// A storage buffer of floats in host-visible, coherent memory: uploads and
// downloads are copies through the mapping. (Device-local buffers with
// staging, for discrete GPUs, and sub-allocation of one large block come
// with the backend's memory plan.)
#pragma once

#include <vulkan/vulkan.h>

#include <cstdint>
#include <span>

#include "backends/vulkan/context.h"

namespace cnnc::backends::vulkan {

class Buffer {
 public:
  Buffer(const Context& context, uint64_t floats);
  ~Buffer();
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;

  VkBuffer get() const { return buffer_; }
  uint64_t floats() const { return floats_; }
  // Throws std::invalid_argument when the sizes differ.
  void upload(std::span<const float> values);
  void download(std::span<float> values) const;

 private:
  const Context& context_;
  uint64_t floats_;
  VkBuffer buffer_ = VK_NULL_HANDLE;
  VkDeviceMemory memory_ = VK_NULL_HANDLE;
  float* mapped_ = nullptr;
};

}  // namespace cnnc::backends::vulkan
