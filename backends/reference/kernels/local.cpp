// PLACEHOLDER: to be written (reference kernels of op family 'local').
#include "backends/reference/kernel_table.h"

namespace cnnc::backends::reference {

void register_local_kernels(KernelTable&) {}

}  // namespace cnnc::backends::reference
