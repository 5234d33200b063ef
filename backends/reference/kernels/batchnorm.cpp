// batchnorm (inference): the per-channel affine computed in double, in the
// textbook order (x - mean) / sqrt(var + eps) * weight + bias.
#include <cmath>

#include "backends/reference/kernel_table.h"

namespace cnnc::backends::reference {

namespace {

void batchnorm_kernel(const KernelArgs& args) {
  const ir::Tensor& x = *args.inputs[0];
  const ir::Tensor& weight = *args.inputs[1];
  const ir::Tensor& bias = *args.inputs[2];
  const ir::Tensor& mean = *args.inputs[3];
  const ir::Tensor& var = *args.inputs[4];
  ir::Tensor& y = args.outputs[0];
  const double eps = args.node.attrs.get_float("eps");
  const int64_t batch = x.shape()[0], channels = x.shape()[1];
  const int64_t plane = batch * channels == 0 ? 0 : x.size() / (batch * channels);
  for (int64_t n = 0; n < batch; ++n)
    for (int64_t c = 0; c < channels; ++c) {
      const double inv_std = 1.0 / std::sqrt(double(var[c]) + eps);
      const int64_t base = (n * channels + c) * plane;
      for (int64_t i = 0; i < plane; ++i)
        y[base + i] =
            static_cast<float>((x[base + i] - double(mean[c])) * inv_std * weight[c] + bias[c]);
    }
}

}  // namespace

void register_batchnorm_kernels(KernelTable& table) {
  table.add("batchnorm", batchnorm_kernel);
}

}  // namespace cnnc::backends::reference
