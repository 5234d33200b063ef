// batchnorm: the per-channel affine computed in double, in the textbook
// order (x - mean) / sqrt(var + eps) * weight + bias; inference takes the
// running statistics, training (training=true) the batch's mean and biased
// variance over every axis but the channels (kernels/batchnorm_stats.h).
#include <cmath>

#include "backends/reference/kernel_table.h"
#include "backends/reference/kernels/batchnorm_stats.h"

namespace cnnc::backends::reference {

namespace {

void batchnorm_kernel(const KernelArgs& args) {
  const ir::Tensor& x = *args.inputs[0];
  const ir::Tensor& weight = *args.inputs[1];
  const ir::Tensor& bias = *args.inputs[2];
  ir::Tensor& y = args.outputs[0];
  const double eps = args.node.attrs.get_float("eps");
  const bool training = args.node.attrs.has("training") && args.node.attrs.get_bool("training");
  const ChannelView v(x);
  for (int64_t c = 0; c < v.channels; ++c) {
    const ChannelStats s =
        training ? batch_stats(x, v, c) : ChannelStats{(*args.inputs[3])[c], (*args.inputs[4])[c]};
    const double inv_std = 1.0 / std::sqrt(s.var + eps);
    v.for_each(c, [&](int64_t i) {
      y[i] = static_cast<float>((x[i] - s.mean) * inv_std * weight[c] + bias[c]);
    });
  }
}

}  // namespace

void register_batchnorm_kernels(KernelTable& table) {
  table.add("batchnorm", batchnorm_kernel);
}

}  // namespace cnnc::backends::reference
