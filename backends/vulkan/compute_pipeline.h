// One compute shader made runnable: its module, a descriptor set layout of
// `bindings` storage buffers, push constants of `push_bytes`, and the
// workgroup size as specialization constant 0. dispatch() records and runs
// one dispatch and waits (the graph executor will record a whole graph in
// one command buffer with barriers between dependent dispatches).
#pragma once

#include <vulkan/vulkan.h>

#include <array>
#include <cstdint>
#include <span>
#include <string_view>

#include "backends/vulkan/buffer.h"
#include "backends/vulkan/context.h"

namespace cnnc::backends::vulkan {

class ComputePipeline {
 public:
  // `shader`: a name in shader_table(); throws std::invalid_argument for
  // an unknown one.
  // `specialization`: the values of the shader's specialization constants
  // 1, 2, ... (tile sizes); constant 0 is always the workgroup size.
  ComputePipeline(const Context& context, std::string_view shader, uint32_t bindings,
                  uint32_t push_bytes, uint32_t workgroup_size,
                  std::span<const uint32_t> specialization = {});
  ~ComputePipeline();
  ComputePipeline(const ComputePipeline&) = delete;
  ComputePipeline& operator=(const ComputePipeline&) = delete;

  uint32_t workgroup_size() const { return workgroup_size_; }
  uint32_t bindings() const { return bindings_; }
  VkDescriptorSetLayout set_layout() const { return set_layout_; }
  // Records binding `set` (of set_layout(), its buffers written), the push
  // constants and a dispatch of `groups` workgroups into `commands`.
  void record(VkCommandBuffer commands, VkDescriptorSet set, std::span<const std::byte> push,
              uint32_t groups) const;
  // The same with a grid of workgroups along x, y and z.
  void record(VkCommandBuffer commands, VkDescriptorSet set, std::span<const std::byte> push,
              std::array<uint32_t, 3> groups) const;
  // Binds `buffers` in order, pushes `push`, dispatches `groups` workgroups
  // along x and waits for the device.
  void dispatch(std::span<Buffer* const> buffers, std::span<const std::byte> push,
                uint32_t groups) const;

 private:
  const Context& context_;
  uint32_t bindings_, push_bytes_, workgroup_size_;
  VkShaderModule module_ = VK_NULL_HANDLE;
  VkDescriptorSetLayout set_layout_ = VK_NULL_HANDLE;
  VkPipelineLayout layout_ = VK_NULL_HANDLE;
  VkPipeline pipeline_ = VK_NULL_HANDLE;
};

}  // namespace cnnc::backends::vulkan
