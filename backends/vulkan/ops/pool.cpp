// maxpool, avgpool and l2pool over 1 to 3 spatial axes with every window
// option of the reference (stride, padding begin and end, dilation,
// ceil_mode, count_include_pad), and the global pools (a window over the
// whole input): one three-axis shader, pool.comp.
#include <fmt/format.h>

#include <stdexcept>

#include "backends/vulkan/lowering.h"
#include "backends/vulkan/ops/window3.h"
#include "ir/ops/window.h"

namespace cnnc::backends::vulkan {

namespace {

enum : uint32_t { kMax = 0, kAvg = 1, kL2 = 2 };

Dispatch pool_dispatch(const ir::Shape& x, const Window3& g, uint32_t kind, bool include_pad) {
  std::vector<uint32_t> push{word(x[0] * x[1]), kind, include_pad ? 1u : 0u};
  append(push, g.pad_end);
  append_window(push, g);
  return {.shader = "pool",
          .bindings = 2,
          .push = std::move(push),
          .invocations = x[0] * x[1] * g.out_size()};
}

void require_spatial(const ir::Node& node, const ir::Shape& x) {
  if (x.rank() < 3 || x.rank() > 5)
    throw std::runtime_error(fmt::format("{} of {}: the Vulkan backend pools 1 to 3 spatial axes",
                                         node.op, ir::to_string(x)));
}

Lowering pool(uint32_t kind) {
  return [kind](const ir::Node& node, std::span<const ir::Shape> in, const ir::Shape& out,
                const KernelChoice&) {
    require_spatial(node, in[0]);
    const bool include_pad =
        node.attrs.has("count_include_pad") && node.attrs.get_bool("count_include_pad");
    return pool_dispatch(
        in[0], widen(ir::read_window(node.attrs, in[0], /*default_stride=*/0), in[0], out), kind,
        include_pad);
  };
}

Lowering global_pool(uint32_t kind) {
  return [kind](const ir::Node&, std::span<const ir::Shape> in, const ir::Shape&,
                const KernelChoice&) {
    // The spatial axes, whatever their number, read as one: a 1-D window
    // over each whole plane.
    const ir::Shape& x = in[0];
    const int64_t planes = x[0] * x[1];
    const ir::Shape flat{x[0], x[1], planes == 0 ? 1 : x.elements() / planes};
    ir::Window w;
    w.kernel = {flat[2]};
    w.stride = w.dilation = {1};
    w.pad_begin = w.pad_end = {0};
    return pool_dispatch(flat, widen(w, flat, ir::Shape{x[0], x[1], 1}), kind, false);
  };
}

}  // namespace

void register_pool_vulkan(LoweringTable& table) {
  table.add("maxpool", pool(kMax));
  table.add("avgpool", pool(kAvg));
  table.add("l2pool", pool(kL2));
  table.add("global_maxpool", global_pool(kMax));
  table.add("global_avgpool", global_pool(kAvg));
}

}  // namespace cnnc::backends::vulkan
