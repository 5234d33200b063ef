// The Vulkan backend: every op node becomes one compute dispatch
// (backends/vulkan/lowering.h), all of a run's dispatches recorded in one
// command buffer with a barrier between each and the next, on the device
// `cnnc devices` marks as the default. Opening the device waits for the
// first compile, so a machine without Vulkan can still list the backend;
// compiling then throws NoDeviceError saying how to install a driver.
//
// This header does not include vulkan.h.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "backends/backend.h"
#include "ir/op_registry.h"

namespace cnnc::backends::vulkan {

std::unique_ptr<Backend> make_vulkan_backend(const ir::OpRegistry& ops);

// The ops the built-in shaders cover, sorted.
std::vector<std::string> lowered_ops();

}  // namespace cnnc::backends::vulkan
