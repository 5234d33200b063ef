// Reference backward kernels (ir/ops/grad.cpp), accumulating in double.
#include <algorithm>
#include <cmath>

#include "backends/reference/kernel_table.h"
#include "backends/reference/kernels/activation_apply.h"

namespace cnnc::backends::reference {

namespace {

// act'(x) written with y = act(x), so the backward needs only the output.
float derivative_from_output(const Activation& act, float y) {
  switch (act.kind) {
    case ActKind::None:
      return 1.0f;
    case ActKind::Relu:
      return y > 0.0f ? 1.0f : 0.0f;
    case ActKind::Relu6:
      return y > 0.0f && y < 6.0f ? 1.0f : 0.0f;
    case ActKind::LeakyRelu:
      return y > 0.0f ? 1.0f : act.alpha;
    case ActKind::Tanh:
      return 1.0f - y * y;
    case ActKind::Sigmoid:
      return y * (1.0f - y);
    case ActKind::Elu:
      return y > 0.0f ? 1.0f : y + act.alpha;
  }
  return 1.0f;
}

void activation_grad_kernel(const KernelArgs& args) {
  const ir::Tensor& y = *args.inputs[0];
  const ir::Tensor& dy = *args.inputs[1];
  const Activation act = activation_from_attrs(args.node.attrs);
  for (int64_t i = 0; i < y.size(); ++i)
    args.outputs[0][i] = dy[i] * derivative_from_output(act, y[i]);
}

void dense_grad_input_kernel(const KernelArgs& args) {
  const ir::Tensor& dy = *args.inputs[0];
  const ir::Tensor& w = *args.inputs[1];
  const int64_t n = dy.shape()[0], units = dy.shape()[1], features = w.shape()[1];
  for (int64_t b = 0; b < n; ++b)
    for (int64_t f = 0; f < features; ++f) {
      double acc = 0;
      for (int64_t u = 0; u < units; ++u) acc += double{dy[b * units + u]} * w[u * features + f];
      args.outputs[0][b * features + f] = static_cast<float>(acc);
    }
}

void dense_grad_weight_kernel(const KernelArgs& args) {
  const ir::Tensor& dy = *args.inputs[0];
  const ir::Tensor& x = *args.inputs[1];
  const int64_t n = dy.shape()[0], units = dy.shape()[1], features = x.shape()[1];
  for (int64_t u = 0; u < units; ++u)
    for (int64_t f = 0; f < features; ++f) {
      double acc = 0;
      for (int64_t b = 0; b < n; ++b) acc += double{dy[b * units + u]} * x[b * features + f];
      args.outputs[0][u * features + f] = static_cast<float>(acc);
    }
}

void sum_to_channels_kernel(const KernelArgs& args) {
  const ir::Tensor& x = *args.inputs[0];
  const int64_t n = x.shape()[0], c = x.shape()[1], inner = x.size() / std::max<int64_t>(1, n * c);
  for (int64_t k = 0; k < c; ++k) {
    double acc = 0;
    for (int64_t b = 0; b < n; ++b)
      for (int64_t i = 0; i < inner; ++i) acc += x[(b * c + k) * inner + i];
    args.outputs[0][k] = static_cast<float>(acc);
  }
}

void reshape_like_kernel(const KernelArgs& args) {
  const ir::Tensor& x = *args.inputs[0];
  std::copy(x.data().begin(), x.data().end(), args.outputs[0].data().begin());
}

void softmax_cross_entropy_grad_kernel(const KernelArgs& args) {
  const ir::Tensor& logits = *args.inputs[0];
  const ir::Tensor& labels = *args.inputs[1];
  const double scale = double{(*args.inputs[2])[0]} / static_cast<double>(logits.shape()[0]);
  const int64_t n = logits.shape()[0], classes = logits.shape()[1];
  for (int64_t b = 0; b < n; ++b) {
    const float* row = logits.raw() + b * classes;
    const float max = *std::max_element(row, row + classes);
    double sum = 0;
    for (int64_t k = 0; k < classes; ++k) sum += std::exp(double{row[k]} - max);
    // Labels were checked by the forward softmax_cross_entropy.
    const auto label = static_cast<int64_t>(labels[b]);
    for (int64_t k = 0; k < classes; ++k) {
      const double p = std::exp(double{row[k]} - max) / sum;
      args.outputs[0][b * classes + k] = static_cast<float>((p - (k == label ? 1.0 : 0.0)) * scale);
    }
  }
}

}  // namespace

void register_grad_kernels(KernelTable& table) {
  table.add("activation_grad", activation_grad_kernel);
  table.add("dense_grad_input", dense_grad_input_kernel);
  table.add("dense_grad_weight", dense_grad_weight_kernel);
  table.add("sum_to_channels", sum_to_channels_kernel);
  table.add("reshape_like", reshape_like_kernel);
  table.add("softmax_cross_entropy_grad", softmax_cross_entropy_grad_kernel);
}

}  // namespace cnnc::backends::reference
