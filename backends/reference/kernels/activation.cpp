// Reference kernels of relu, relu6, leaky_relu, tanh, sigmoid and elu. They apply
// the same scalar functions as a conv/dense `act=` epilogue
// (activation_apply.h), so a fused activation and a separate layer agree
// exactly.
#include <algorithm>

#include "backends/reference/kernel_table.h"
#include "backends/reference/kernels/activation_apply.h"

namespace cnnc::backends::reference {

namespace {

// The layer's own `alpha` is used as given: alpha=0 on leaky_relu is a
// plain relu here, unlike act_alpha=0 which means "the default".
Kernel activation_kernel(ActKind kind, bool has_alpha) {
  return [kind, has_alpha](const KernelArgs& args) {
    Activation act{
        .kind = kind,
        .alpha = has_alpha ? static_cast<float>(args.node.attrs.get_float("alpha")) : 0.0f};
    auto in = args.inputs[0]->data();
    std::transform(in.begin(), in.end(), args.outputs[0].data().begin(), act);
  };
}

}  // namespace

void register_activation_kernels(KernelTable& table) {
  table.add("relu", activation_kernel(ActKind::Relu, false));
  table.add("relu6", activation_kernel(ActKind::Relu6, false));
  table.add("leaky_relu", activation_kernel(ActKind::LeakyRelu, true));
  table.add("tanh", activation_kernel(ActKind::Tanh, false));
  table.add("sigmoid", activation_kernel(ActKind::Sigmoid, false));
  table.add("elu", activation_kernel(ActKind::Elu, true));
}

}  // namespace cnnc::backends::reference
