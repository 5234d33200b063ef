#include "backends/vulkan/buffer.h"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

namespace cnnc::backends::vulkan {

namespace {

// Device-local memory the host can map where the device has it and is not
// discrete (one memory for both there); a discrete GPU's plain local
// memory otherwise, which is faster and not limited to the BAR window.
uint32_t choose_memory_type(const Context& context, uint32_t type_bits, Memory memory,
                            bool& host_visible) {
  constexpr VkMemoryPropertyFlags kHost =
      VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
  host_visible = true;
  if (memory == Memory::HostVisible) return context.memory_type(type_bits, kHost);
  if (context.info().type != DeviceType::Discrete && !context.force_staging()) {
    try {
      return context.memory_type(type_bits, kHost | VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT);
    } catch (const std::runtime_error&) {
      // No such type: plain device-local memory and staging below.
    }
  }
  host_visible = false;  // even if the type happens to be (force_staging)
  return context.memory_type(type_bits, VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT);
}

}  // namespace

Buffer::Buffer(const Context& context, uint64_t floats, Memory memory)
    : context_(context), floats_(std::max<uint64_t>(floats, 1)) {
  VkBufferCreateInfo info{.sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO,
                          .size = floats_ * sizeof(float),
                          .usage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT |
                                   VK_BUFFER_USAGE_TRANSFER_SRC_BIT |
                                   VK_BUFFER_USAGE_TRANSFER_DST_BIT,
                          .sharingMode = VK_SHARING_MODE_EXCLUSIVE};
  check(vkCreateBuffer(context.device(), &info, nullptr, &buffer_), "vkCreateBuffer");
  VkMemoryRequirements needs{};
  vkGetBufferMemoryRequirements(context.device(), buffer_, &needs);
  try {
    bool host_visible = false;
    VkMemoryAllocateInfo allocate{
        .sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO,
        .allocationSize = needs.size,
        .memoryTypeIndex = choose_memory_type(context, needs.memoryTypeBits, memory, host_visible)};
    const VkResult r = vkAllocateMemory(context.device(), &allocate, nullptr, &memory_);
    if (r == VK_ERROR_OUT_OF_DEVICE_MEMORY || r == VK_ERROR_OUT_OF_HOST_MEMORY)
      throw std::runtime_error(fmt::format(
          "{} has no room for {:.1f} MiB of {} memory (VkResult {}); try a smaller batch",
          context.info().name, double(needs.size) / (1 << 20),
          host_visible ? "host-visible" : "device-local", static_cast<int>(r)));
    check(r, "vkAllocateMemory");
    check(vkBindBufferMemory(context.device(), buffer_, memory_, 0), "vkBindBufferMemory");
    if (host_visible) {
      void* mapped = nullptr;
      check(vkMapMemory(context.device(), memory_, 0, VK_WHOLE_SIZE, 0, &mapped), "vkMapMemory");
      mapped_ = static_cast<float*>(mapped);
    }
  } catch (...) {
    if (memory_) vkFreeMemory(context.device(), memory_, nullptr);
    vkDestroyBuffer(context.device(), buffer_, nullptr);
    throw;
  }
}

Buffer::~Buffer() {
  if (mapped_) vkUnmapMemory(context_.device(), memory_);
  vkFreeMemory(context_.device(), memory_, nullptr);
  vkDestroyBuffer(context_.device(), buffer_, nullptr);
}

BufferRange Buffer::range(uint64_t offset_bytes, uint64_t bytes) const {
  if (offset_bytes + bytes > floats_ * sizeof(float))
    throw std::invalid_argument(fmt::format("bytes {}..{} are outside a buffer of {} bytes",
                                            offset_bytes, offset_bytes + bytes,
                                            floats_ * sizeof(float)));
  return {buffer_, offset_bytes, bytes};
}

void Buffer::check_access(uint64_t count, uint64_t offset_bytes) const {
  if (!mapped_) throw std::logic_error("the buffer's memory is not mapped: use a staging buffer");
  if (offset_bytes % sizeof(float) != 0 || offset_bytes / sizeof(float) + count > floats_)
    throw std::invalid_argument(fmt::format("{} values at byte {} do not fit a buffer of {} floats",
                                            count, offset_bytes, floats_));
}

void Buffer::upload(std::span<const float> values, uint64_t offset_bytes) {
  check_access(values.size(), offset_bytes);
  std::copy(values.begin(), values.end(), mapped_ + offset_bytes / sizeof(float));
}

void Buffer::download(std::span<float> values, uint64_t offset_bytes) const {
  check_access(values.size(), offset_bytes);
  std::copy_n(mapped_ + offset_bytes / sizeof(float), values.size(), values.begin());
}

}  // namespace cnnc::backends::vulkan
