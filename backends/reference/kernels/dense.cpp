// dense: y[n, u] = act(b[u] + sum_f W[u, f] x[n, f]).
#include "backends/reference/kernel_table.h"
#include "backends/reference/kernels/activation_apply.h"

namespace cnnc::backends::reference {

namespace {

void dense_kernel(const KernelArgs& args) {
  const ir::Tensor& x = *args.inputs[0];
  const ir::Tensor& w = *args.inputs[1];
  const ir::Tensor* bias = args.inputs.size() > 2 ? args.inputs[2] : nullptr;
  ir::Tensor& y = args.outputs[0];
  const int64_t batch = x.shape()[0], features = x.shape()[1], units = y.shape()[1];
  const Activation act = activation_from_attrs(args.node.attrs);
  for (int64_t n = 0; n < batch; ++n)
    for (int64_t u = 0; u < units; ++u) {
      double acc = bias ? (*bias)[u] : 0.0;
      for (int64_t f = 0; f < features; ++f)
        acc += double(w[u * features + f]) * x[n * features + f];
      y[n * units + u] = act(static_cast<float>(acc));
    }
}

}  // namespace

void register_dense_kernels(KernelTable& table) {
  table.add("dense", dense_kernel);
}

}  // namespace cnnc::backends::reference
