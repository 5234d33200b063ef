// global_avgpool, global_maxpool: one reduction per (batch item, channel).
#include <algorithm>
#include <limits>

#include "backends/reference/kernel_table.h"

namespace cnnc::backends::reference {

namespace {

template <bool kMax>
void global_pool_kernel(const KernelArgs& args) {
  const ir::Tensor& x = *args.inputs[0];
  ir::Tensor& y = args.outputs[0];
  const int64_t planes = x.shape()[0] * x.shape()[1];
  const int64_t plane = planes == 0 ? 0 : x.size() / planes;
  for (int64_t p = 0; p < planes; ++p) {
    const float* in = x.raw() + p * plane;
    double acc = kMax ? -std::numeric_limits<double>::infinity() : 0.0;
    for (int64_t i = 0; i < plane; ++i) acc = kMax ? std::max<double>(acc, in[i]) : acc + in[i];
    y[p] = static_cast<float>(kMax ? acc : acc / double(plane));
  }
}

}  // namespace

void register_global_pool_kernels(KernelTable& table) {
  table.add("global_avgpool", global_pool_kernel<false>);
  table.add("global_maxpool", global_pool_kernel<true>);
}

}  // namespace cnnc::backends::reference
