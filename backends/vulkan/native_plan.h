// A model lowered by the Vulkan backend for one batch size, as data: what
// `cnnc compile --backend vulkan` turns into a static library (with
// backends/native/native_library.h) that replays the same dispatches
// without cnnc: the same SPIR-V, push constants, specialization constants
// and memory plan as `cnnc run --backend vulkan`, so it computes what the
// backend computes on the same device.
//
// Offsets are aligned to 256 bytes and grids kept within 65,535 workgroups
// along each axis (the largest offset alignment and the smallest grid limit
// Vulkan allows), so the plan runs on any Vulkan 1.1 device with room for
// its bindings and workgroups; the library checks that when it is created.
//
// This header does not include vulkan.h.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "backends/backend.h"
#include "backends/native/native_library.h"
#include "ir/graph.h"
#include "ir/op_registry.h"

namespace cnnc::backends::vulkan {

// A storage binding: a range of one of the plan's buffers.
struct NativeBinding {
  enum class Buffer : uint32_t { Arena = 0, Params = 1, Constants = 2 } buffer = Buffer::Arena;
  uint64_t offset = 0, bytes = 0;
};

struct NativeDispatch {
  std::string layer;   // for messages
  std::string shader;  // a name in shader_table()
  uint32_t workgroup_size = 0;
  std::vector<uint32_t> specialization;  // constants 1.. (0 is the workgroup size)
  std::vector<uint32_t> push;
  std::vector<NativeBinding> bindings;  // in binding order, the output last
  std::array<uint32_t, 3> grid{1, 1, 1};
};

struct NativeVulkanPlan {
  std::string device;  // the device it was lowered for (tile sizes checked against it)
  int64_t batch = 1;
  std::vector<NativeDispatch> dispatches;  // in order, each reading what earlier ones wrote
  uint64_t arena_bytes = 0;                // inputs and every activation, by the memory plan
  std::vector<std::byte> params;           // the parameter buffer's contents
  std::vector<uint32_t> constants;         // the fused shaders' constants buffer
  // Where the model's inputs and outputs live in the arena.
  std::vector<NativeBinding> input_places, output_places;
  std::vector<native::NativeTensor> inputs, outputs;
};

// Lowers `graph` (optimized, with weights) for `batch` on the device of
// `options` (its --device and --schedule). Throws NoDeviceError without a
// Vulkan device, std::runtime_error naming a layer no shader covers.
NativeVulkanPlan export_native_plan(const ir::Graph& graph, const ir::OpRegistry& ops,
                                    int64_t batch, const CompileOptions& options);

// The plan as a model native::write_native_library writes out: its C
// carries the SPIR-V and a small Vulkan runtime (backends/vulkan/native_runtime.c)
// that opens a device, uploads the parameters, records the dispatches once
// and replays them per run; the library links with -lvulkan.
native::NativeModel native_model(const NativeVulkanPlan& plan);

}  // namespace cnnc::backends::vulkan
