// PLACEHOLDER: to be written (reference kernels of op family 'dropout').
#include "backends/reference/kernel_table.h"

namespace cnnc::backends::reference {

void register_dropout_kernels(KernelTable&) {}

}  // namespace cnnc::backends::reference
