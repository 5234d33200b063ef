// PLACEHOLDER: to be written (reference kernels of op family 'reshape').
#include "backends/reference/kernel_table.h"

namespace cnnc::backends::reference {

void register_reshape_kernels(KernelTable&) {}

}  // namespace cnnc::backends::reference
