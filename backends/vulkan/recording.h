// One command buffer recorded, submitted and waited for, with the
// descriptor pool its dispatches bind from; both freed on scope exit. The
// caller holds Context::command_mutex() for the Recording's lifetime.
#pragma once

#include <vulkan/vulkan.h>

#include <cstdint>
#include <span>

#include "backends/vulkan/buffer.h"
#include "backends/vulkan/context.h"

namespace cnnc::backends::vulkan {

class Recording {
 public:
  // Room for `sets` descriptor sets of `descriptors` storage buffers in all;
  // the command buffer is begun.
  Recording(const Context& context, uint32_t sets, uint32_t descriptors);
  ~Recording();
  Recording(const Recording&) = delete;
  Recording& operator=(const Recording&) = delete;

  VkCommandBuffer commands() const { return commands_; }
  // A set of `layout` with `buffers` bound at 0, 1, ...
  VkDescriptorSet bind(VkDescriptorSetLayout layout, std::span<Buffer* const> buffers);
  // What a dispatch wrote becomes visible to later dispatches and the host.
  void barrier_after_dispatch();
  void submit_and_wait();

 private:
  void release();

  const Context& context_;
  VkDescriptorPool pool_ = VK_NULL_HANDLE;
  VkCommandBuffer commands_ = VK_NULL_HANDLE;
};

}  // namespace cnnc::backends::vulkan
