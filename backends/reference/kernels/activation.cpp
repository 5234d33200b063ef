// PLACEHOLDER: to be written (reference kernels of op family 'activation').
#include "backends/reference/kernel_table.h"

namespace cnnc::backends::reference {

void register_activation_kernels(KernelTable&) {}

}  // namespace cnnc::backends::reference
