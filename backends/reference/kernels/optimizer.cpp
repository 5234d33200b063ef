// Reference optimizer updates (ir/ops/optimizer.cpp), elementwise, in
// double for each element before rounding the result once.
#include <cmath>

#include "backends/reference/kernel_table.h"

namespace cnnc::backends::reference {

namespace {

template <typename F>
void elementwise(const KernelArgs& args, F f) {
  ir::Tensor& out = args.outputs[0];
  for (int64_t i = 0; i < out.size(); ++i) out[i] = static_cast<float>(f(i));
}

double at(const KernelArgs& args, size_t input, int64_t i) {
  return (*args.inputs[input])[i];
}

void sgd_velocity_kernel(const KernelArgs& args) {
  const double momentum = args.node.attrs.get_float("momentum");
  const double decay = args.node.attrs.get_float("weight_decay");
  elementwise(args, [&](int64_t i) {
    return momentum * at(args, 0, i) + at(args, 1, i) + decay * at(args, 2, i);
  });
}

void sgd_step_kernel(const KernelArgs& args) {
  const double momentum = args.node.attrs.get_float("momentum");
  const double decay = args.node.attrs.get_float("weight_decay");
  const bool nesterov = args.node.attrs.get_bool("nesterov");
  const double lr = at(args, 3, 0);
  elementwise(args, [&](int64_t i) {
    const double p = at(args, 0, i), g = at(args, 1, i) + decay * p, v = at(args, 2, i);
    const double d = momentum == 0.0 ? g : nesterov ? g + momentum * v : v;
    return p - lr * d;
  });
}

void adam_moment_kernel(const KernelArgs& args) {
  const double beta = args.node.attrs.get_float("beta");
  const double decay = args.node.attrs.get_float("weight_decay");
  const bool square = args.node.attrs.get_int("power") == 2;
  elementwise(args, [&](int64_t i) {
    const double g = at(args, 1, i) + decay * at(args, 2, i);
    return beta * at(args, 0, i) + (1.0 - beta) * (square ? g * g : g);
  });
}

void adam_step_kernel(const KernelArgs& args) {
  const auto& attrs = args.node.attrs;
  const double beta1 = attrs.get_float("beta1"), beta2 = attrs.get_float("beta2");
  const double eps = attrs.get_float("eps"), decay = attrs.get_float("decoupled_weight_decay");
  const double lr = at(args, 3, 0), t = at(args, 4, 0);
  const double correction1 = 1.0 - std::pow(beta1, t), correction2 = 1.0 - std::pow(beta2, t);
  elementwise(args, [&](int64_t i) {
    const double p = at(args, 0, i) * (1.0 - lr * decay);
    const double m = at(args, 1, i) / correction1, v = at(args, 2, i) / correction2;
    return p - lr * m / (std::sqrt(v) + eps);
  });
}

}  // namespace

void register_optimizer_kernels(KernelTable& table) {
  table.add("sgd_velocity", sgd_velocity_kernel);
  table.add("sgd_step", sgd_step_kernel);
  table.add("adam_moment", adam_moment_kernel);
  table.add("adam_step", adam_step_kernel);
}

}  // namespace cnnc::backends::reference
