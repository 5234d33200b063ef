// PLACEHOLDER: to be written (reference kernels of op family 'pool').
#include "backends/reference/kernel_table.h"

namespace cnnc::backends::reference {

void register_pool_kernels(KernelTable&) {}

}  // namespace cnnc::backends::reference
