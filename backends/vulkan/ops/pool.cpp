// maxpool and avgpool over 2 spatial axes, and the global pools (a window
// over the whole image), with the reference's window rules (pool2d.comp).
#include <fmt/format.h>

#include <stdexcept>

#include "backends/vulkan/lowering.h"
#include "ir/ops/window.h"

namespace cnnc::backends::vulkan {

namespace {

uint32_t u32(int64_t v) {
  return static_cast<uint32_t>(v);
}

Dispatch pool2d(const ir::Shape& x, const ir::Shape& out, const ir::Window& w, uint32_t kind,
                bool include_pad) {
  return {.shader = "pool2d",
          .bindings = 2,
          .push = {u32(x[0] * x[1]), u32(x[2]), u32(x[3]), u32(out[2]), u32(out[3]),
                   u32(w.kernel[0]), u32(w.kernel[1]), u32(w.stride[0]), u32(w.stride[1]),
                   u32(w.pad_begin[0]), u32(w.pad_begin[1]), u32(w.dilation[0]), u32(w.dilation[1]),
                   kind, include_pad ? 1u : 0u, u32(w.pad_end[0]), u32(w.pad_end[1])},
          .invocations = out.elements()};
}

Lowering pool(uint32_t kind) {
  return [kind](const ir::Node& node, std::span<const ir::Shape> in, const ir::Shape& out,
                const KernelChoice&) {
    if (in[0].rank() != 4)
      throw std::runtime_error(
          fmt::format("{} of {}: only 2-D pooling is on the Vulkan backend yet", node.op,
                      ir::to_string(in[0])));
    const bool include_pad =
        node.attrs.has("count_include_pad") && node.attrs.get_bool("count_include_pad");
    return pool2d(in[0], out, ir::read_window(node.attrs, in[0], /*default_stride=*/0), kind,
                  include_pad);
  };
}

Lowering global_pool(uint32_t kind) {
  return [kind](const ir::Node& node, std::span<const ir::Shape> in, const ir::Shape& out,
                const KernelChoice&) {
    if (in[0].rank() != 4)
      throw std::runtime_error(fmt::format("{} of {}: only images are on the Vulkan backend yet",
                                           node.op, ir::to_string(in[0])));
    ir::Window w;
    w.kernel = {in[0][2], in[0][3]};
    w.stride = w.dilation = {1, 1};
    w.pad_begin = w.pad_end = {0, 0};
    ir::Shape o = out;
    o.dims.resize(4, 1);  // [N, C] or [N, C, 1, 1]: one output per plane either way
    return pool2d(in[0], o, w, kind, false);
  };
}

}  // namespace

void register_pool_vulkan(LoweringTable& table) {
  table.add("maxpool", pool(0));
  table.add("avgpool", pool(1));
  table.add("global_maxpool", global_pool(0));
  table.add("global_avgpool", global_pool(1));
}

}  // namespace cnnc::backends::vulkan
