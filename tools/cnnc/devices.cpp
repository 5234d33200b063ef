// `cnnc devices`: the Vulkan devices the loader finds, with their type,
// memory and compute limits, and which one `--backend vulkan` would use.
#include <fmt/format.h>

#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "backends/vulkan/device_info.h"
#include "tools/cnnc/command.h"

namespace cnnc::cli {

namespace {

namespace vk = backends::vulkan;

std::string mebibytes(uint64_t bytes) {
  return fmt::format("{:.0f} MiB", static_cast<double>(bytes) / (1024.0 * 1024.0));
}

nlohmann::json to_json(const vk::DeviceInfo& d, bool preferred) {
  return {{"index", d.index},
          {"name", d.name},
          {"type", vk::to_string(d.type)},
          {"api_version", d.api_version},
          {"driver", d.driver},
          {"device_local_bytes", d.device_local_bytes},
          {"compute_queue", d.has_compute_queue},
          {"max_workgroup_invocations", d.max_workgroup_invocations},
          {"max_workgroup_size",
           {d.max_workgroup_size[0], d.max_workgroup_size[1], d.max_workgroup_size[2]}},
          {"max_shared_memory_bytes", d.max_shared_memory_bytes},
          {"subgroup_size", d.subgroup_size},
          {"max_push_constant_bytes", d.max_push_constant_bytes},
          {"max_workgroup_count",
           {d.max_workgroup_count[0], d.max_workgroup_count[1], d.max_workgroup_count[2]}},
          {"max_storage_buffer_range", d.max_storage_range},
          {"default", preferred}};
}

void devices(bool json) {
  const std::vector<vk::DeviceInfo> found = vk::list_devices();
  const vk::DeviceInfo* preferred = nullptr;
  try {
    preferred = &vk::preferred_device(found);
  } catch (const vk::NoDeviceError&) {
    // Listed anyway; none is usable for compute.
  }
  if (json) {
    nlohmann::json all = nlohmann::json::array();
    for (const auto& d : found) all.push_back(to_json(d, &d == preferred));
    std::cout << all.dump(2) << "\n";
    return;
  }
  for (const auto& d : found) {
    std::cout << fmt::format("{}{} {}: {}, Vulkan {}{}\n", &d == preferred ? "*" : " ", d.index,
                             d.name, vk::to_string(d.type), d.api_version,
                             d.driver.empty() ? "" : ", " + d.driver);
    std::cout << fmt::format(
        "    {} device-local; workgroups up to {} invocations ({} x {} x {}), {} KiB shared "
        "memory{}; {} bytes of push constants{}\n",
        mebibytes(d.device_local_bytes), d.max_workgroup_invocations, d.max_workgroup_size[0],
        d.max_workgroup_size[1], d.max_workgroup_size[2], d.max_shared_memory_bytes / 1024,
        d.subgroup_size ? fmt::format(", subgroups of {}", d.subgroup_size) : "",
        d.max_push_constant_bytes, d.has_compute_queue ? "" : "; no compute queue");
  }
  if (preferred)
    std::cout << fmt::format(
        "* the device the Vulkan backend will use by default (discrete > integrated > virtual > "
        "CPU)\n");
}

}  // namespace

void add_devices_command(CLI::App& app, GlobalOptions&) {
  auto* cmd = app.add_subcommand("devices",
                                 "the Vulkan devices found, with type, memory and compute limits");
  auto json = std::make_shared<bool>(false);
  cmd->add_flag("--json", *json, "one JSON array of devices");
  cmd->callback([json] { devices(*json); });
}

}  // namespace cnnc::cli
