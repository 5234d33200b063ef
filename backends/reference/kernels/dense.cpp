// PLACEHOLDER: to be written (reference kernels of op family 'dense').
#include "backends/reference/kernel_table.h"

namespace cnnc::backends::reference {

void register_dense_kernels(KernelTable&) {}

}  // namespace cnnc::backends::reference
