#include "backends/vulkan/compute_pipeline.h"

#include <fmt/format.h>

#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "backends/vulkan/recording.h"
#include "backends/vulkan/shader_table.h"

namespace cnnc::backends::vulkan {

ComputePipeline::ComputePipeline(const Context& context, std::string_view shader, uint32_t bindings,
                                 uint32_t push_bytes, uint32_t workgroup_size,
                                 std::span<const uint32_t> specialization)
    : context_(context),
      bindings_(bindings),
      push_bytes_(push_bytes),
      workgroup_size_(workgroup_size) {
  const auto& table = shader_table();
  const auto it = table.find(shader);
  if (it == table.end())
    throw std::invalid_argument(fmt::format("no Vulkan shader named '{}'", shader));
  const VkDevice device = context.device();
  VkShaderModuleCreateInfo module{.sType = VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO,
                                  .codeSize = it->second.size() * sizeof(uint32_t),
                                  .pCode = it->second.data()};
  check(vkCreateShaderModule(device, &module, nullptr, &module_), "vkCreateShaderModule");

  std::vector<VkDescriptorSetLayoutBinding> slots(bindings);
  for (uint32_t b = 0; b < bindings; ++b)
    slots[b] = {.binding = b,
                .descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER,
                .descriptorCount = 1,
                .stageFlags = VK_SHADER_STAGE_COMPUTE_BIT};
  VkDescriptorSetLayoutCreateInfo set{.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO,
                                      .bindingCount = bindings,
                                      .pBindings = slots.data()};
  check(vkCreateDescriptorSetLayout(device, &set, nullptr, &set_layout_),
        "vkCreateDescriptorSetLayout");
  VkPushConstantRange range{.stageFlags = VK_SHADER_STAGE_COMPUTE_BIT, .size = push_bytes};
  VkPipelineLayoutCreateInfo layout{.sType = VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO,
                                    .setLayoutCount = 1,
                                    .pSetLayouts = &set_layout_,
                                    .pushConstantRangeCount = push_bytes ? 1u : 0u,
                                    .pPushConstantRanges = &range};
  check(vkCreatePipelineLayout(device, &layout, nullptr, &layout_), "vkCreatePipelineLayout");

  // Constant 0 is the workgroup size, 1.. the shader's own (tile sizes).
  std::vector<uint32_t> values{workgroup_size_};
  values.insert(values.end(), specialization.begin(), specialization.end());
  std::vector<VkSpecializationMapEntry> entries;
  for (uint32_t i = 0; i < values.size(); ++i)
    entries.push_back({.constantID = i, .offset = i * 4u, .size = sizeof(uint32_t)});
  VkSpecializationInfo specialization_info{.mapEntryCount = static_cast<uint32_t>(entries.size()),
                                           .pMapEntries = entries.data(),
                                           .dataSize = values.size() * sizeof(uint32_t),
                                           .pData = values.data()};
  VkComputePipelineCreateInfo pipeline{
      .sType = VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO,
      .stage = {.sType = VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO,
                .stage = VK_SHADER_STAGE_COMPUTE_BIT,
                .module = module_,
                .pName = "main",
                .pSpecializationInfo = &specialization_info},
      .layout = layout_};
  check(
      vkCreateComputePipelines(device, context.pipeline_cache(), 1, &pipeline, nullptr, &pipeline_),
      "vkCreateComputePipelines");
}

ComputePipeline::~ComputePipeline() {
  const VkDevice device = context_.device();
  vkDestroyPipeline(device, pipeline_, nullptr);
  vkDestroyPipelineLayout(device, layout_, nullptr);
  vkDestroyDescriptorSetLayout(device, set_layout_, nullptr);
  vkDestroyShaderModule(device, module_, nullptr);
}

void ComputePipeline::record(VkCommandBuffer commands, VkDescriptorSet set,
                             std::span<const std::byte> push, uint32_t groups) const {
  record(commands, set, push, {groups, 1u, 1u});
}

void ComputePipeline::record(VkCommandBuffer commands, VkDescriptorSet set,
                             std::span<const std::byte> push,
                             std::array<uint32_t, 3> groups) const {
  if (push.size() != push_bytes_)
    throw std::invalid_argument(fmt::format(
        "the pipeline takes {} bytes of push constants, given {}", push_bytes_, push.size()));
  vkCmdBindPipeline(commands, VK_PIPELINE_BIND_POINT_COMPUTE, pipeline_);
  vkCmdBindDescriptorSets(commands, VK_PIPELINE_BIND_POINT_COMPUTE, layout_, 0, 1, &set, 0,
                          nullptr);
  if (push_bytes_)
    vkCmdPushConstants(commands, layout_, VK_SHADER_STAGE_COMPUTE_BIT, 0, push_bytes_, push.data());
  vkCmdDispatch(commands, groups[0], groups[1], groups[2]);
}

void ComputePipeline::dispatch(std::span<Buffer* const> buffers, std::span<const std::byte> push,
                               uint32_t groups) const {
  if (buffers.size() != bindings_ || push.size() != push_bytes_)
    throw std::invalid_argument(
        fmt::format("the pipeline takes {} buffers and {} bytes of push constants, given {} and {}",
                    bindings_, push_bytes_, buffers.size(), push.size()));
  std::lock_guard lock(context_.command_mutex());
  Recording recording(context_, 1, bindings_);
  std::vector<BufferRange> ranges;
  for (const Buffer* b : buffers) ranges.push_back(b->range());
  const VkDescriptorSet set = recording.bind(set_layout_, ranges);
  record(recording.commands(), set, push, groups);
  recording.barrier_after_dispatch();  // the host reads the results after the fence
  recording.submit_and_wait();
}

}  // namespace cnnc::backends::vulkan
