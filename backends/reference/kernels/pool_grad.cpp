// pool_grad: each output's gradient sent back through its window
// (kernels/pool.cpp's geometry), accumulating in double.
#include <cmath>
#include <limits>
#include <vector>

#include "backends/reference/kernel_table.h"
#include "backends/reference/kernels/activation_apply.h"
#include "backends/reference/kernels/window_geometry.h"

namespace cnnc::backends::reference {

namespace {

void pool_grad_kernel(const KernelArgs& args) {
  const ir::Tensor &x = *args.inputs[0], &y = *args.inputs[1], &dy = *args.inputs[2];
  const auto& attrs = args.node.attrs;
  const std::string pool = attrs.get_ident("pool");
  const bool include_pad = attrs.get_bool("count_include_pad");
  const Activation act = activation_from_attrs(attrs);
  const Geometry3 g =
      geometry3(ir::read_window(attrs, x.shape(), /*default_stride=*/0), x.shape(), y.shape());
  const int64_t planes = x.shape()[0] * x.shape()[1];
  std::vector<double> dx(static_cast<size_t>(g.in_size()));

  for (int64_t p = 0; p < planes; ++p) {
    const float* in = x.raw() + p * g.in_size();
    std::fill(dx.begin(), dx.end(), 0.0);
    for (int64_t od = 0; od < g.out[0]; ++od)
      for (int64_t oh = 0; oh < g.out[1]; ++oh)
        for (int64_t ow = 0; ow < g.out[2]; ++ow) {
          const int64_t o = p * g.out_size() + (od * g.out[1] + oh) * g.out[2] + ow;
          const PoolWindow window = pool_window(g, {od, oh, ow});
          const double grad = dy[o];
          if (pool == "max") {
            // The first input holding the maximum, as the forward's max found it.
            int64_t best = -1;
            float best_value = -std::numeric_limits<float>::infinity();
            window.for_each_input(g, [&](int64_t i) {
              if (best < 0 || in[i] > best_value) best = i, best_value = in[i];
            });
            if (best >= 0) dx[static_cast<size_t>(best)] += grad;
          } else if (pool == "avg") {
            const int64_t count = window.for_each_input(g, [](int64_t) {});
            if (count == 0) continue;
            const double share = grad / double(include_pad ? window.padded_count : count);
            window.for_each_input(g, [&](int64_t i) { dx[static_cast<size_t>(i)] += share; });
          } else {  // l2: d sqrt(sum x^2) / dx = x / y; 0 where y is 0 (its subgradient)
            const double out = y[o];
            if (out == 0.0) continue;
            window.for_each_input(
                g, [&](int64_t i) { dx[static_cast<size_t>(i)] += grad * in[i] / out; });
          }
        }
    float* out = args.outputs[0].raw() + p * g.in_size();
    for (size_t i = 0; i < dx.size(); ++i)
      out[i] = static_cast<float>(dx[i]) * derivative_from_output(act, in[i]);
  }
}

}  // namespace

void register_pool_grad_kernels(KernelTable& table) {
  table.add("pool_grad", pool_grad_kernel);
}

}  // namespace cnnc::backends::reference
