// Reference softmax and log_softmax along one axis. The input is viewed as
// [outer, axis, inner]; each of the outer*inner rows is normalized after
// subtracting its maximum, so large inputs (1000, 1001) do not overflow.
#include <algorithm>
#include <cmath>

#include "backends/reference/kernel_table.h"
#include "ir/ops/axis.h"

namespace cnnc::backends::reference {

namespace {

Kernel softmax_kernel(bool log) {
  return [log](const KernelArgs& args) {
    const ir::Tensor& x = *args.inputs[0];
    ir::Tensor& y = args.outputs[0];
    size_t axis = ir::normalize_axis(args.node.attrs.get_int("axis"), x.shape(), args.node.op);
    int64_t outer = 1, extent = x.shape()[axis], inner = 1;
    for (size_t d = 0; d < axis; ++d) outer *= x.shape()[d];
    for (size_t d = axis + 1; d < x.shape().rank(); ++d) inner *= x.shape()[d];
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t i = 0; i < inner; ++i) {
        auto at = [&](int64_t k) { return (o * extent + k) * inner + i; };
        float max = -INFINITY;
        for (int64_t k = 0; k < extent; ++k) max = std::max(max, x[at(k)]);
        double sum = 0;
        for (int64_t k = 0; k < extent; ++k) sum += std::exp(double{x[at(k)]} - max);
        double log_sum = std::log(sum);
        for (int64_t k = 0; k < extent; ++k) {
          double shifted = double{x[at(k)]} - max;
          y[at(k)] = static_cast<float>(log ? shifted - log_sum : std::exp(shifted) / sum);
        }
      }
  };
}

}  // namespace

void register_softmax_kernels(KernelTable& table) {
  table.add("softmax", softmax_kernel(false));
  table.add("log_softmax", softmax_kernel(true));
}

}  // namespace cnnc::backends::reference
