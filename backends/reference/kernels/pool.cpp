// maxpool, avgpool, l2pool: one loop nest over three (padded-out) spatial
// axes; each op supplies how taps combine and what the window's result is.
#include <cmath>
#include <limits>

#include "backends/reference/kernel_table.h"
#include "backends/reference/kernels/window_geometry.h"

namespace cnnc::backends::reference {

namespace {

enum class PoolKind { Max, Avg, L2 };

void pool_kernel(const KernelArgs& args, PoolKind kind) {
  const ir::Tensor& x = *args.inputs[0];
  ir::Tensor& y = args.outputs[0];
  const auto& attrs = args.node.attrs;
  auto g = geometry3(ir::read_window(attrs, x.shape(), /*default_stride=*/0), x.shape(), y.shape());
  const bool include_pad = attrs.has("count_include_pad") && attrs.get_bool("count_include_pad");
  const int64_t planes = x.shape()[0] * x.shape()[1];

  for (int64_t p = 0; p < planes; ++p) {
    const float* in = x.raw() + p * g.in_size();
    float* out = y.raw() + p * g.out_size();
    for (int64_t od = 0; od < g.out[0]; ++od)
      for (int64_t oh = 0; oh < g.out[1]; ++oh)
        for (int64_t ow = 0; ow < g.out[2]; ++ow) {
          const PoolWindow window = pool_window(g, {od, oh, ow});
          double acc = kind == PoolKind::Max ? -std::numeric_limits<double>::infinity() : 0.0;
          const int64_t count = window.for_each_input(g, [&](int64_t i) {
            const double v = in[i];
            if (kind == PoolKind::Max)
              acc = std::max(acc, v);
            else if (kind == PoolKind::Avg)
              acc += v;
            else
              acc += v * v;
          });
          double result = acc;
          if (kind == PoolKind::Avg)
            result = count == 0 ? 0.0 : acc / double(include_pad ? window.padded_count : count);
          if (kind == PoolKind::L2) result = std::sqrt(acc);
          out[(od * g.out[1] + oh) * g.out[2] + ow] = static_cast<float>(result);
        }
  }
}

}  // namespace

void register_pool_kernels(KernelTable& table) {
  table.add("maxpool", [](const KernelArgs& a) { pool_kernel(a, PoolKind::Max); });
  table.add("avgpool", [](const KernelArgs& a) { pool_kernel(a, PoolKind::Avg); });
  table.add("l2pool", [](const KernelArgs& a) { pool_kernel(a, PoolKind::L2); });
}

}  // namespace cnnc::backends::reference
