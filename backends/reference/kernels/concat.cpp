// Reference concat. Viewing every tensor as [outer, axis, inner], each
// outer slice of the output is the inputs' slices one after another.
#include <algorithm>

#include "backends/reference/kernel_table.h"
#include "ir/ops/axis.h"

namespace cnnc::backends::reference {

void register_concat_kernels(KernelTable& table) {
  table.add("concat", [](const KernelArgs& args) {
    ir::Tensor& y = args.outputs[0];
    size_t axis = ir::normalize_axis(args.node.attrs.get_int("axis"), y.shape(), "concat");
    int64_t outer = 1, inner = 1;
    for (size_t d = 0; d < axis; ++d) outer *= y.shape()[d];
    for (size_t d = axis + 1; d < y.shape().rank(); ++d) inner *= y.shape()[d];
    float* dst = y.raw();
    for (int64_t o = 0; o < outer; ++o)
      for (const ir::Tensor* x : args.inputs) {
        int64_t block = x->shape()[axis] * inner;
        const float* src = x->raw() + o * block;
        dst = std::copy(src, src + block, dst);
      }
  });
}

}  // namespace cnnc::backends::reference
