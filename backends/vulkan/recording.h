// A command buffer with the descriptor pool its dispatches bind from, both
// freed on scope exit. Begun at construction; submit_and_wait() ends it at
// its first call and may be called again to run the same commands again
// (the executable records a graph once per batch size and replays it). The
// caller holds Context::command_mutex() while recording and submitting.
#pragma once

#include <vulkan/vulkan.h>

#include <cstdint>
#include <span>
#include <vector>

#include "backends/vulkan/buffer.h"
#include "backends/vulkan/context.h"

namespace cnnc::backends::vulkan {

class Recording {
 public:
  // Room for `sets` descriptor sets of `descriptors` storage buffers in all.
  Recording(const Context& context, uint32_t sets, uint32_t descriptors);
  ~Recording();
  Recording(const Recording&) = delete;
  Recording& operator=(const Recording&) = delete;

  VkCommandBuffer commands() const { return commands_; }
  // A set of `layout` with `ranges` bound at 0, 1, ...
  VkDescriptorSet bind(VkDescriptorSetLayout layout, std::span<const BufferRange> ranges);
  // What a dispatch wrote becomes visible to later dispatches, copies and the host.
  void barrier_after_dispatch();
  // Copies `from` to `to` (same size); barrier_after_copy() then makes
  // what was copied visible to dispatches and the host.
  void copy(const BufferRange& from, const BufferRange& to);
  void barrier_after_copy();
  // Timestamps: room for `count` (resets them), and one written once every
  // command before it has finished; read after submit_and_wait(), in ticks.
  void reserve_timestamps(uint32_t count);
  void write_timestamp();
  std::vector<uint64_t> timestamps() const;
  void submit_and_wait();

 private:
  void release();

  const Context& context_;
  VkDescriptorPool pool_ = VK_NULL_HANDLE;
  VkCommandBuffer commands_ = VK_NULL_HANDLE;
  VkQueryPool queries_ = VK_NULL_HANDLE;
  uint32_t query_count_ = 0, queries_written_ = 0;
  bool ended_ = false;
};

}  // namespace cnnc::backends::vulkan
