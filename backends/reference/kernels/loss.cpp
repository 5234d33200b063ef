// Reference losses, accumulated in double. A label that is not a class
// index of the logits is an error naming the layer and the batch item: a
// wrong label would otherwise be a silently wrong loss.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "backends/reference/kernel_table.h"

namespace cnnc::backends::reference {

namespace {

void softmax_cross_entropy_kernel(const KernelArgs& args) {
  const ir::Tensor& logits = *args.inputs[0];
  const ir::Tensor& labels = *args.inputs[1];
  const int64_t batch = logits.shape()[0], classes = logits.shape()[1];
  double total = 0;
  for (int64_t n = 0; n < batch; ++n) {
    const float label = labels[n];
    if (!(label >= 0 && label < static_cast<float>(classes)) || label != std::floor(label))
      throw std::invalid_argument(
          fmt::format("layer '{}': label {} of batch item {} is not a class index 0..{}",
                      args.node.name, label, n, classes - 1));
    const float* row = logits.raw() + n * classes;
    const float max = *std::max_element(row, row + classes);
    double sum = 0;
    for (int64_t k = 0; k < classes; ++k) sum += std::exp(double{row[k]} - max);
    total += std::log(sum) + max - row[static_cast<int64_t>(label)];
  }
  args.outputs[0][0] = static_cast<float>(total / static_cast<double>(batch));
}

void mse_loss_kernel(const KernelArgs& args) {
  const ir::Tensor& prediction = *args.inputs[0];
  const ir::Tensor& target = *args.inputs[1];
  double total = 0;
  for (int64_t i = 0; i < prediction.size(); ++i) {
    const double d = double{prediction[i]} - target[i];
    total += d * d;
  }
  args.outputs[0][0] = static_cast<float>(total / static_cast<double>(prediction.size()));
}

}  // namespace

void register_loss_kernels(KernelTable& table) {
  table.add("softmax_cross_entropy", softmax_cross_entropy_kernel);
  table.add("mse_loss", mse_loss_kernel);
}

}  // namespace cnnc::backends::reference
