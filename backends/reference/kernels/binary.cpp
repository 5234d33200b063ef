// PLACEHOLDER: to be written (reference kernels of op family 'binary').
#include "backends/reference/kernel_table.h"

namespace cnnc::backends::reference {

void register_binary_kernels(KernelTable&) {}

}  // namespace cnnc::backends::reference
