// PLACEHOLDER: to be written (reference kernels of op family 'global_pool').
#include "backends/reference/kernel_table.h"

namespace cnnc::backends::reference {

void register_global_pool_kernels(KernelTable&) {}

}  // namespace cnnc::backends::reference
