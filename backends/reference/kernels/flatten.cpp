// PLACEHOLDER: to be written (reference kernels of op family 'flatten').
#include "backends/reference/kernel_table.h"

namespace cnnc::backends::reference {

void register_flatten_kernels(KernelTable&) {}

}  // namespace cnnc::backends::reference
