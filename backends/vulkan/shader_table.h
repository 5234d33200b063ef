// The compute shaders of backends/vulkan/shaders, compiled to SPIR-V by
// glslc at build time, checked by spirv-val, and embedded in the library
// (tools/cmake/embed_spirv.cmake writes the table).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <span>
#include <string>

namespace cnnc::backends::vulkan {

// Shader name (the .comp file's name without extension) -> SPIR-V words.
const std::map<std::string, std::span<const uint32_t>, std::less<>>& shader_table();

}  // namespace cnnc::backends::vulkan
