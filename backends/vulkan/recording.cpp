#include "backends/vulkan/recording.h"

#include <algorithm>
#include <stdexcept>
#include <vector>

namespace cnnc::backends::vulkan {

Recording::Recording(const Context& context, uint32_t sets, uint32_t descriptors)
    : context_(context) {
  const VkDevice device = context.device();
  VkDescriptorPoolSize size{.type = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER,
                            .descriptorCount = std::max(descriptors, 1u)};
  VkDescriptorPoolCreateInfo pool{.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO,
                                  .maxSets = std::max(sets, 1u),
                                  .poolSizeCount = 1,
                                  .pPoolSizes = &size};
  check(vkCreateDescriptorPool(device, &pool, nullptr, &pool_), "vkCreateDescriptorPool");
  VkCommandBufferAllocateInfo info{.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO,
                                   .commandPool = context.command_pool(),
                                   .level = VK_COMMAND_BUFFER_LEVEL_PRIMARY,
                                   .commandBufferCount = 1};
  VkCommandBufferBeginInfo begin{.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO};
  try {
    check(vkAllocateCommandBuffers(device, &info, &commands_), "vkAllocateCommandBuffers");
    check(vkBeginCommandBuffer(commands_, &begin), "vkBeginCommandBuffer");
  } catch (...) {
    release();
    throw;
  }
}

Recording::~Recording() {
  release();
}

void Recording::release() {
  const VkDevice device = context_.device();
  if (commands_) vkFreeCommandBuffers(device, context_.command_pool(), 1, &commands_);
  commands_ = VK_NULL_HANDLE;
  if (pool_) vkDestroyDescriptorPool(device, pool_, nullptr);
  pool_ = VK_NULL_HANDLE;
  if (queries_) vkDestroyQueryPool(device, queries_, nullptr);
  queries_ = VK_NULL_HANDLE;
}

VkDescriptorSet Recording::bind(VkDescriptorSetLayout layout, std::span<const BufferRange> ranges) {
  VkDescriptorSetAllocateInfo allocate{.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO,
                                       .descriptorPool = pool_,
                                       .descriptorSetCount = 1,
                                       .pSetLayouts = &layout};
  VkDescriptorSet set = VK_NULL_HANDLE;
  check(vkAllocateDescriptorSets(context_.device(), &allocate, &set), "vkAllocateDescriptorSets");
  std::vector<VkDescriptorBufferInfo> infos(ranges.size());
  std::vector<VkWriteDescriptorSet> writes(ranges.size());
  for (size_t b = 0; b < ranges.size(); ++b) {
    infos[b] = {.buffer = ranges[b].buffer, .offset = ranges[b].offset, .range = ranges[b].bytes};
    writes[b] = {.sType = VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET,
                 .dstSet = set,
                 .dstBinding = static_cast<uint32_t>(b),
                 .descriptorCount = 1,
                 .descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER,
                 .pBufferInfo = &infos[b]};
  }
  vkUpdateDescriptorSets(context_.device(), static_cast<uint32_t>(writes.size()), writes.data(), 0,
                         nullptr);
  return set;
}

void Recording::barrier_after_dispatch() {
  VkMemoryBarrier barrier{.sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER,
                          .srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT,
                          .dstAccessMask = VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT |
                                           VK_ACCESS_TRANSFER_READ_BIT | VK_ACCESS_HOST_READ_BIT};
  vkCmdPipelineBarrier(commands_, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT,
                       VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT |
                           VK_PIPELINE_STAGE_HOST_BIT,
                       0, 1, &barrier, 0, nullptr, 0, nullptr);
}

void Recording::copy(const BufferRange& from, const BufferRange& to) {
  const VkBufferCopy region{.srcOffset = from.offset, .dstOffset = to.offset, .size = from.bytes};
  vkCmdCopyBuffer(commands_, from.buffer, to.buffer, 1, &region);
}

void Recording::barrier_after_copy() {
  VkMemoryBarrier barrier{.sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER,
                          .srcAccessMask = VK_ACCESS_TRANSFER_WRITE_BIT,
                          .dstAccessMask = VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT |
                                           VK_ACCESS_HOST_READ_BIT};
  vkCmdPipelineBarrier(commands_, VK_PIPELINE_STAGE_TRANSFER_BIT,
                       VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_HOST_BIT, 0, 1,
                       &barrier, 0, nullptr, 0, nullptr);
}

void Recording::reserve_timestamps(uint32_t count) {
  VkQueryPoolCreateInfo info{.sType = VK_STRUCTURE_TYPE_QUERY_POOL_CREATE_INFO,
                             .queryType = VK_QUERY_TYPE_TIMESTAMP,
                             .queryCount = count};
  check(vkCreateQueryPool(context_.device(), &info, nullptr, &queries_), "vkCreateQueryPool");
  query_count_ = count;
  vkCmdResetQueryPool(commands_, queries_, 0, count);
}

void Recording::write_timestamp() {
  if (queries_written_ >= query_count_) throw std::logic_error("more timestamps than reserved");
  vkCmdWriteTimestamp(commands_, VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT, queries_,
                      queries_written_++);
}

std::vector<uint64_t> Recording::timestamps() const {
  std::vector<uint64_t> ticks(queries_written_);
  if (!ticks.empty())
    check(vkGetQueryPoolResults(context_.device(), queries_, 0, queries_written_,
                                ticks.size() * sizeof(uint64_t), ticks.data(), sizeof(uint64_t),
                                VK_QUERY_RESULT_64_BIT | VK_QUERY_RESULT_WAIT_BIT),
          "vkGetQueryPoolResults");
  return ticks;
}

void Recording::submit_and_wait() {
  if (!ended_) check(vkEndCommandBuffer(commands_), "vkEndCommandBuffer");
  ended_ = true;
  context_.submit_and_wait(commands_);
}

}  // namespace cnnc::backends::vulkan
