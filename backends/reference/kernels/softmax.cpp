// PLACEHOLDER: to be written (reference kernels of op family 'softmax').
#include "backends/reference/kernel_table.h"

namespace cnnc::backends::reference {

void register_softmax_kernels(KernelTable&) {}

}  // namespace cnnc::backends::reference
