// A storage buffer of floats. Host-visible memory is mapped and filled by
// copies through the mapping; device-local memory (a discrete GPU's) is
// reached by transfers from a host-visible staging buffer, except where
// the device's local memory is host-visible too (integrated GPUs, lavapipe),
// which then is mapped like host memory. A BufferRange is the part of a
// buffer one binding or copy sees: the backend sub-allocates one large
// buffer per arena instead of one allocation per tensor.
#pragma once

#include <vulkan/vulkan.h>

#include <cstdint>
#include <span>

#include "backends/vulkan/context.h"

namespace cnnc::backends::vulkan {

enum class Memory { HostVisible, DeviceLocal };

struct BufferRange {
  VkBuffer buffer = VK_NULL_HANDLE;
  uint64_t offset = 0, bytes = 0;
};

class Buffer {
 public:
  Buffer(const Context& context, uint64_t floats, Memory memory = Memory::HostVisible);
  ~Buffer();
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;

  VkBuffer get() const { return buffer_; }
  uint64_t floats() const { return floats_; }
  BufferRange range() const { return {buffer_, 0, floats_ * sizeof(float)}; }
  BufferRange range(uint64_t offset_bytes, uint64_t bytes) const;
  // Whether the host reaches the memory through a mapping (always for
  // Memory::HostVisible).
  bool mapped() const { return mapped_ != nullptr; }
  // Copies through the mapping, at a byte offset; throw std::invalid_argument
  // out of bounds and std::logic_error for memory that is not mapped.
  void upload(std::span<const float> values, uint64_t offset_bytes = 0);
  void download(std::span<float> values, uint64_t offset_bytes = 0) const;

 private:
  void check_access(uint64_t count, uint64_t offset_bytes) const;

  const Context& context_;
  uint64_t floats_;
  VkBuffer buffer_ = VK_NULL_HANDLE;
  VkDeviceMemory memory_ = VK_NULL_HANDLE;
  float* mapped_ = nullptr;
};

}  // namespace cnnc::backends::vulkan
