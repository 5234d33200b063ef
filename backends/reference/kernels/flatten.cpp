// Reference flatten: NCHW data is already laid out as [N, C*H*W], so the
// kernel copies the elements unchanged into the output's shape.
#include <algorithm>

#include "backends/reference/kernel_table.h"

namespace cnnc::backends::reference {

void register_flatten_kernels(KernelTable& table) {
  table.add("flatten", [](const KernelArgs& args) {
    auto in = args.inputs[0]->data();
    std::copy(in.begin(), in.end(), args.outputs[0].data().begin());
  });
}

}  // namespace cnnc::backends::reference
