#include "backends/vulkan/schedule.h"

#include <fmt/format.h>

#include <charconv>
#include <stdexcept>
#include <string>
#include <vector>

namespace cnnc::backends::vulkan {

namespace {

// "64x64x16" -> {64, 64, 16}; empty on anything else.
std::vector<uint32_t> sizes(std::string_view text) {
  std::vector<uint32_t> out;
  while (!text.empty()) {
    uint32_t v = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || v == 0) return {};
    out.push_back(v);
    text.remove_prefix(static_cast<size_t>(end - text.data()));
    if (!text.empty()) {
      if (text.front() != 'x' || text.size() == 1) return {};
      text.remove_prefix(1);
    }
  }
  return out;
}

KernelChoice::GemmTiles gemm_tiles(std::string_view spec, std::string_view schedule,
                                   const DeviceInfo& device) {
  KernelChoice::GemmTiles t;
  const auto bad = [&](const std::string& why) {
    return std::invalid_argument(fmt::format("--schedule {}: {}", schedule, why));
  };
  if (!spec.empty()) {
    const size_t colon = spec.find(':');
    const std::vector<uint32_t> tile = sizes(spec.substr(0, colon));
    if (tile.size() != 3) throw bad("tile sizes are written TMxTNxTK, e.g. gemm:64x64x16:4x4");
    t.tm = tile[0], t.tn = tile[1], t.tk = tile[2];
    if (colon != std::string_view::npos) {
      const std::vector<uint32_t> reg = sizes(spec.substr(colon + 1));
      if (reg.size() != 2) throw bad("register blocks are written RMxRN, e.g. gemm:64x64x16:4x4");
      t.rm = reg[0], t.rn = reg[1];
    }
  }
  if (t.tm % t.rm || t.tn % t.rn)
    throw bad(fmt::format("the register block {}x{} does not divide the tile {}x{}", t.rm, t.rn,
                          t.tm, t.tn));
  const uint32_t threads = (t.tm / t.rm) * (t.tn / t.rn);
  if (threads > device.max_workgroup_invocations || threads > device.max_workgroup_size[0])
    throw bad(
        fmt::format("{} invocations per workgroup; {} allows {}", threads, device.name,
                    std::min(device.max_workgroup_invocations, device.max_workgroup_size[0])));
  const uint64_t shared = uint64_t{t.tk} * (t.tm + t.tn) * sizeof(float);
  if (shared > device.max_shared_memory_bytes)
    throw bad(fmt::format("{} bytes of shared memory; {} has {}", shared, device.name,
                          device.max_shared_memory_bytes));
  return t;
}

}  // namespace

KernelChoice parse_schedule(std::string_view schedule, const DeviceInfo& device) {
  KernelChoice choice;
  if (schedule.empty()) {
    choice.gemm = gemm_tiles("", "gemm", device);
  } else if (schedule == "direct") {
    choice.direct_convolution = true;
  } else if (schedule == "register") {
    // The defaults: register tiles, no GEMM.
  } else if (schedule == "gemm" || schedule.starts_with("gemm:")) {
    choice.gemm =
        gemm_tiles(schedule.substr(std::min<size_t>(schedule.size(), 5)), schedule, device);
  } else {
    throw std::invalid_argument(fmt::format(
        "unknown Vulkan schedule '{}': leave it out for the device's default, or register, "
        "direct, gemm or gemm:TMxTNxTK:RMxRN",
        schedule));
  }
  return choice;
}

}  // namespace cnnc::backends::vulkan
