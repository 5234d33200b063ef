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
          const Geometry3::Dims o{od, oh, ow};
          // Window bounds per axis, as PyTorch's avg_pool: `padded` is clipped
          // to the padded input (for count_include_pad), `lo`/`hi` to the input.
          Geometry3::Dims lo, hi;
          int64_t padded_count = 1;
          for (size_t a = 0; a < 3; ++a) {
            int64_t start = o[a] * g.stride[a] - g.pad_begin[a];
            int64_t end =
                std::min(start + (g.kernel[a] - 1) * g.dilation[a] + 1, g.in[a] + g.pad_end[a]);
            padded_count *= end - start;
            lo[a] = start;
            hi[a] = end;
          }
          double acc = kind == PoolKind::Max ? -std::numeric_limits<double>::infinity() : 0.0;
          int64_t count = 0;
          for (int64_t id = lo[0]; id < hi[0]; id += g.dilation[0]) {
            if (id < 0 || id >= g.in[0]) continue;
            for (int64_t ih = lo[1]; ih < hi[1]; ih += g.dilation[1]) {
              if (ih < 0 || ih >= g.in[1]) continue;
              for (int64_t iw = lo[2]; iw < hi[2]; iw += g.dilation[2]) {
                if (iw < 0 || iw >= g.in[2]) continue;
                double v = in[(id * g.in[1] + ih) * g.in[2] + iw];
                if (kind == PoolKind::Max)
                  acc = std::max(acc, v);
                else if (kind == PoolKind::Avg)
                  acc += v;
                else
                  acc += v * v;
                ++count;
              }
            }
          }
          double result = acc;
          if (kind == PoolKind::Avg)
            result = count == 0 ? 0.0 : acc / double(include_pad ? padded_count : count);
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
