#include "backends/vulkan/buffer.h"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

namespace cnnc::backends::vulkan {

Buffer::Buffer(const Context& context, uint64_t floats)
    : context_(context), floats_(std::max<uint64_t>(floats, 1)) {
  VkBufferCreateInfo info{.sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO,
                          .size = floats_ * sizeof(float),
                          .usage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT,
                          .sharingMode = VK_SHARING_MODE_EXCLUSIVE};
  check(vkCreateBuffer(context.device(), &info, nullptr, &buffer_), "vkCreateBuffer");
  VkMemoryRequirements needs{};
  vkGetBufferMemoryRequirements(context.device(), buffer_, &needs);
  VkMemoryAllocateInfo allocate{
      .sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO,
      .allocationSize = needs.size,
      .memoryTypeIndex =
          context.memory_type(needs.memoryTypeBits, VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT |
                                                        VK_MEMORY_PROPERTY_HOST_COHERENT_BIT)};
  try {
    check(vkAllocateMemory(context.device(), &allocate, nullptr, &memory_), "vkAllocateMemory");
    check(vkBindBufferMemory(context.device(), buffer_, memory_, 0), "vkBindBufferMemory");
    void* mapped = nullptr;
    check(vkMapMemory(context.device(), memory_, 0, VK_WHOLE_SIZE, 0, &mapped), "vkMapMemory");
    mapped_ = static_cast<float*>(mapped);
  } catch (...) {
    if (memory_) vkFreeMemory(context.device(), memory_, nullptr);
    vkDestroyBuffer(context.device(), buffer_, nullptr);
    throw;
  }
}

Buffer::~Buffer() {
  vkUnmapMemory(context_.device(), memory_);
  vkFreeMemory(context_.device(), memory_, nullptr);
  vkDestroyBuffer(context_.device(), buffer_, nullptr);
}

void Buffer::upload(std::span<const float> values) {
  if (values.size() > floats_)
    throw std::invalid_argument(
        fmt::format("{} values do not fit a buffer of {} floats", values.size(), floats_));
  std::copy(values.begin(), values.end(), mapped_);
}

void Buffer::download(std::span<float> values) const {
  if (values.size() > floats_)
    throw std::invalid_argument(
        fmt::format("a buffer of {} floats has no {} values", floats_, values.size()));
  std::copy_n(mapped_, values.size(), values.begin());
}

}  // namespace cnnc::backends::vulkan
