// dropout_grad: dy through the forward's mask (ir/ops/dropout_mask.h),
// redrawn from the same seed, step and stream, and its 1 / (1 - rate).
#include "backends/reference/kernel_table.h"
#include "ir/ops/dropout_mask.h"

namespace cnnc::backends::reference {

void register_dropout_grad_kernels(KernelTable& table) {
  table.add("dropout_grad", [](const KernelArgs& args) {
    const ir::Tensor& dy = *args.inputs[0];
    const auto& attrs = args.node.attrs;
    const double rate = attrs.get_float("rate"), scale = 1.0 / (1.0 - rate);
    const uint64_t key = ir::dropout_mask::key(static_cast<uint64_t>(attrs.get_int("seed")),
                                               ir::dropout_mask::step_of((*args.inputs[1])[0]),
                                               static_cast<uint64_t>(attrs.get_int("stream")));
    for (int64_t i = 0; i < dy.size(); ++i)
      args.outputs[0][i] = ir::dropout_mask::keep(key, static_cast<uint64_t>(i), rate)
                               ? static_cast<float>(double{dy[i]} * scale)
                               : 0.0f;
  });
}

}  // namespace cnnc::backends::reference
