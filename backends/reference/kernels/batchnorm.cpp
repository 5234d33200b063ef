// PLACEHOLDER: to be written (reference kernels of op family 'batchnorm').
#include "backends/reference/kernel_table.h"

namespace cnnc::backends::reference {

void register_batchnorm_kernels(KernelTable&) {}

}  // namespace cnnc::backends::reference
