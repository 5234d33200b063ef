// lrn_grad: for each position, the channel sums s_c of the forward again,
// then dx_j = dy_j s_j^-beta - 2 alpha beta / size * x_j * sum over the
// channels c whose window holds j of dy_c x_c s_c^(-beta-1), in double.
#include <algorithm>
#include <cmath>
#include <vector>

#include "backends/reference/kernel_table.h"

namespace cnnc::backends::reference {

namespace {

void lrn_grad_kernel(const KernelArgs& args) {
  const ir::Tensor &x = *args.inputs[0], &dy = *args.inputs[1];
  ir::Tensor& dx = args.outputs[0];
  const auto& attrs = args.node.attrs;
  const int64_t size = attrs.get_int("size");
  const double alpha = attrs.get_float("alpha"), beta = attrs.get_float("beta"),
               k = attrs.get_float("k");
  const int64_t batch = x.shape()[0], channels = x.shape()[1];
  const int64_t plane = batch * channels == 0 ? 0 : x.size() / (batch * channels);
  const double scale = alpha / static_cast<double>(size);
  std::vector<double> s(static_cast<size_t>(channels)), t(static_cast<size_t>(channels));
  for (int64_t n = 0; n < batch; ++n)
    for (int64_t i = 0; i < plane; ++i) {
      auto at = [&](int64_t c) { return (n * channels + c) * plane + i; };
      for (int64_t c = 0; c < channels; ++c) {
        // The forward's window of c: c - size/2 .. c + (size-1)/2.
        const int64_t first = std::max<int64_t>(0, c - size / 2);
        const int64_t last = std::min<int64_t>(channels - 1, c + (size - 1) / 2);
        double sum = 0.0;
        for (int64_t cc = first; cc <= last; ++cc) sum += double{x[at(cc)]} * x[at(cc)];
        const auto u = static_cast<size_t>(c);
        s[u] = k + scale * sum;
        t[u] = double{dy[at(c)]} * x[at(c)] * std::pow(s[u], -beta - 1.0);
      }
      for (int64_t j = 0; j < channels; ++j) {
        // The channels whose window holds j: j - (size-1)/2 .. j + size/2.
        const int64_t first = std::max<int64_t>(0, j - (size - 1) / 2);
        const int64_t last = std::min<int64_t>(channels - 1, j + size / 2);
        double sum = 0.0;
        for (int64_t c = first; c <= last; ++c) sum += t[static_cast<size_t>(c)];
        dx[at(j)] =
            static_cast<float>(double{dy[at(j)]} * std::pow(s[static_cast<size_t>(j)], -beta) -
                               2.0 * scale * beta * x[at(j)] * sum);
      }
    }
}

}  // namespace

void register_lrn_grad_kernels(KernelTable& table) {
  table.add("lrn_grad", lrn_grad_kernel);
}

}  // namespace cnnc::backends::reference
