// PLACEHOLDER: to be written (reference kernels of op family 'concat').
#include "backends/reference/kernel_table.h"

namespace cnnc::backends::reference {

void register_concat_kernels(KernelTable&) {}

}  // namespace cnnc::backends::reference
