// PLACEHOLDER: to be written (reference kernels of op family 'lrn').
#include "backends/reference/kernel_table.h"

namespace cnnc::backends::reference {

void register_lrn_kernels(KernelTable&) {}

}  // namespace cnnc::backends::reference
