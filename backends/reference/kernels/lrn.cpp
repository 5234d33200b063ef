// lrn: for each element, the sum of squares over its channel window.
#include <algorithm>
#include <cmath>

#include "backends/reference/kernel_table.h"

namespace cnnc::backends::reference {

namespace {

void lrn_kernel(const KernelArgs& args) {
  const ir::Tensor& x = *args.inputs[0];
  ir::Tensor& y = args.outputs[0];
  const auto& attrs = args.node.attrs;
  const int64_t size = attrs.get_int("size");
  const double alpha = attrs.get_float("alpha"), beta = attrs.get_float("beta"),
               k = attrs.get_float("k");
  const int64_t batch = x.shape()[0], channels = x.shape()[1];
  const int64_t plane = batch * channels == 0 ? 0 : x.size() / (batch * channels);
  for (int64_t n = 0; n < batch; ++n)
    for (int64_t c = 0; c < channels; ++c) {
      const int64_t first = std::max<int64_t>(0, c - size / 2);
      const int64_t last = std::min<int64_t>(channels - 1, c + (size - 1) / 2);
      for (int64_t i = 0; i < plane; ++i) {
        double sum = 0.0;
        for (int64_t cc = first; cc <= last; ++cc) {
          double v = x[(n * channels + cc) * plane + i];
          sum += v * v;
        }
        const int64_t at = (n * channels + c) * plane + i;
        y[at] = static_cast<float>(x[at] / std::pow(k + alpha / double(size) * sum, beta));
      }
    }
}

}  // namespace

void register_lrn_kernels(KernelTable& table) {
  table.add("lrn", lrn_kernel);
}

}  // namespace cnnc::backends::reference
