// Reference backward kernels (ir/ops/grad.cpp), accumulating in double.
#include <algorithm>
#include <cmath>
#include <vector>

#include "backends/reference/kernel_table.h"
#include "backends/reference/kernels/activation_apply.h"
#include "ir/ops/axis.h"

namespace cnnc::backends::reference {

namespace {

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

void mse_loss_grad_kernel(const KernelArgs& args) {
  const ir::Tensor &p = *args.inputs[0], &t = *args.inputs[1];
  const double scale = 2.0 * double{(*args.inputs[2])[0]} / static_cast<double>(p.size());
  for (int64_t i = 0; i < p.size(); ++i)
    args.outputs[0][i] = static_cast<float>((double{p[i]} - t[i]) * scale);
}

// The input viewed as [outer, axis, inner], as the forward kernel does.
struct AxisView {
  int64_t outer = 1, extent = 1, inner = 1;
  AxisView(const ir::Shape& shape, size_t axis) : extent(shape[axis]) {
    for (size_t d = 0; d < axis; ++d) outer *= shape[d];
    for (size_t d = axis + 1; d < shape.rank(); ++d) inner *= shape[d];
  }
};

void softmax_grad_kernel(const KernelArgs& args) {
  const ir::Tensor &y = *args.inputs[0], &dy = *args.inputs[1];
  const bool log = args.node.attrs.get_bool("log");
  const AxisView v(y.shape(),
                   ir::normalize_axis(args.node.attrs.get_int("axis"), y.shape(), "softmax_grad"));
  for (int64_t o = 0; o < v.outer; ++o)
    for (int64_t i = 0; i < v.inner; ++i) {
      auto at = [&](int64_t k) { return (o * v.extent + k) * v.inner + i; };
      double sum = 0;
      for (int64_t k = 0; k < v.extent; ++k)
        sum += log ? double{dy[at(k)]} : double{dy[at(k)]} * y[at(k)];
      for (int64_t k = 0; k < v.extent; ++k) {
        const double g =
            log ? dy[at(k)] - std::exp(double{y[at(k)]}) * sum : y[at(k)] * (dy[at(k)] - sum);
        args.outputs[0][at(k)] = static_cast<float>(g);
      }
    }
}

void slice_kernel(const KernelArgs& args) {
  const ir::Tensor& x = *args.inputs[0];
  const auto& attrs = args.node.attrs;
  const AxisView v(x.shape(), ir::normalize_axis(attrs.get_int("axis"), x.shape(), "slice"));
  const int64_t start = attrs.get_int("start"), length = attrs.get_int("length");
  for (int64_t o = 0; o < v.outer; ++o)
    std::copy_n(x.raw() + (o * v.extent + start) * v.inner, length * v.inner,
                args.outputs[0].raw() + o * length * v.inner);
}

void sum_to_shape_kernel(const KernelArgs& args) {
  const ir::Tensor& x = *args.inputs[0];
  const ir::Shape& like = args.outputs[0].shape();
  const size_t rank = x.shape().rank();
  // Strides into the output over x's dims: 0 where the output broadcast.
  std::vector<int64_t> strides(rank, 0);
  int64_t step = 1;
  for (size_t k = 0; k < like.rank(); ++k) {
    const size_t dl = like.rank() - 1 - k, dx = rank - 1 - k;
    strides[dx] = like[dl] == 1 ? 0 : step;
    step *= like[dl];
  }
  std::vector<double> acc(static_cast<size_t>(args.outputs[0].size()), 0.0);
  std::vector<int64_t> index(rank, 0);
  int64_t offset = 0;
  for (int64_t i = 0; i < x.size(); ++i) {
    acc[static_cast<size_t>(offset)] += x[i];
    for (size_t d = rank; d-- > 0;) {
      offset += strides[d];
      if (++index[d] < x.shape()[d]) break;
      offset -= strides[d] * x.shape()[d];
      index[d] = 0;
    }
  }
  for (size_t i = 0; i < acc.size(); ++i)
    args.outputs[0][static_cast<int64_t>(i)] = static_cast<float>(acc[i]);
}

}  // namespace

void register_grad_kernels(KernelTable& table) {
  table.add("activation_grad", activation_grad_kernel);
  table.add("dense_grad_input", dense_grad_input_kernel);
  table.add("dense_grad_weight", dense_grad_weight_kernel);
  table.add("sum_to_channels", sum_to_channels_kernel);
  table.add("reshape_like", reshape_like_kernel);
  table.add("softmax_cross_entropy_grad", softmax_cross_entropy_grad_kernel);
  table.add("mse_loss_grad", mse_loss_grad_kernel);
  table.add("softmax_grad", softmax_grad_kernel);
  table.add("slice", slice_kernel);
  table.add("sum_to_shape", sum_to_shape_kernel);
}

}  // namespace cnnc::backends::reference
