// batchnorm's backward and running-statistics kernels (ir/ops/batchnorm_grad.cpp),
// in double. Training: with m elements per channel, inv_std = 1 / sqrt(var +
// eps) of the batch and xhat = (x - mean) inv_std,
//   dx = weight inv_std (dy - sum(dy) / m - xhat sum(dy xhat) / m)
//   d weight = sum(dy xhat)
// inference: the running statistics are constants, so dx = weight inv_std dy.
#include <cmath>
#include <stdexcept>

#include <fmt/format.h>

#include "backends/reference/kernel_table.h"
#include "backends/reference/kernels/batchnorm_stats.h"

namespace cnnc::backends::reference {

namespace {

bool training(const KernelArgs& args) {
  return args.node.attrs.has("training") && args.node.attrs.get_bool("training");
}

// The statistics the forward normalized channel c with.
ChannelStats forward_stats(const KernelArgs& args, const ir::Tensor& x, const ChannelView& v,
                           int64_t c, const ir::Tensor* running_mean,
                           const ir::Tensor& running_var) {
  if (training(args)) return batch_stats(x, v, c);
  return {running_mean ? double{(*running_mean)[c]} : 0.0, running_var[c]};
}

// Inputs x, dy, weight, running_var.
void grad_input_kernel(const KernelArgs& args) {
  const ir::Tensor &x = *args.inputs[0], &dy = *args.inputs[1], &weight = *args.inputs[2];
  ir::Tensor& dx = args.outputs[0];
  const double eps = args.node.attrs.get_float("eps");
  const ChannelView v(x);
  const auto m = static_cast<double>(v.count());
  for (int64_t c = 0; c < v.channels; ++c) {
    const ChannelStats s = forward_stats(args, x, v, c, nullptr, *args.inputs[3]);
    const double inv_std = 1.0 / std::sqrt(s.var + eps), g = weight[c] * inv_std;
    if (!training(args)) {
      v.for_each(c, [&](int64_t i) { dx[i] = static_cast<float>(g * dy[i]); });
      continue;
    }
    double sum_dy = 0, sum_dy_xhat = 0;
    v.for_each(c, [&](int64_t i) {
      sum_dy += dy[i];
      sum_dy_xhat += dy[i] * (x[i] - s.mean) * inv_std;
    });
    v.for_each(c, [&](int64_t i) {
      const double xhat = (x[i] - s.mean) * inv_std;
      dx[i] = static_cast<float>(g * (dy[i] - sum_dy / m - xhat * sum_dy_xhat / m));
    });
  }
}

// Inputs x, dy, running_mean, running_var.
void grad_weight_kernel(const KernelArgs& args) {
  const ir::Tensor &x = *args.inputs[0], &dy = *args.inputs[1];
  const double eps = args.node.attrs.get_float("eps");
  const ChannelView v(x);
  for (int64_t c = 0; c < v.channels; ++c) {
    const ChannelStats s = forward_stats(args, x, v, c, args.inputs[2], *args.inputs[3]);
    const double inv_std = 1.0 / std::sqrt(s.var + eps);
    double acc = 0;
    v.for_each(c, [&](int64_t i) { acc += dy[i] * (x[i] - s.mean) * inv_std; });
    args.outputs[0][c] = static_cast<float>(acc);
  }
}

// Inputs x, the old running statistic; `var`: the variance, else the mean.
void running_stat_kernel(const KernelArgs& args, bool var) {
  const ir::Tensor &x = *args.inputs[0], &old = *args.inputs[1];
  const double momentum = args.node.attrs.get_float("momentum");
  const ChannelView v(x);
  const int64_t m = v.count();
  if (var && m < 2)
    throw std::runtime_error(fmt::format(
        "layer '{}': batchnorm in training needs more than one value per channel to estimate the "
        "variance, got {} (batch {}); use a larger batch",
        args.node.name, m, v.batch));
  for (int64_t c = 0; c < v.channels; ++c) {
    const ChannelStats s = batch_stats(x, v, c);
    const double batch_value =
        var ? s.var * static_cast<double>(m) / static_cast<double>(m - 1) : s.mean;
    args.outputs[0][c] = static_cast<float>((1.0 - momentum) * old[c] + momentum * batch_value);
  }
}

}  // namespace

void register_batchnorm_grad_kernels(KernelTable& table) {
  table.add("batchnorm_grad_input", grad_input_kernel);
  table.add("batchnorm_grad_weight", grad_weight_kernel);
  table.add("batchnorm_running_mean",
            [](const KernelArgs& args) { running_stat_kernel(args, false); });
  table.add("batchnorm_running_var",
            [](const KernelArgs& args) { running_stat_kernel(args, true); });
}

}  // namespace cnnc::backends::reference
