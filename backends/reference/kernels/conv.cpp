// PLACEHOLDER: to be written (reference kernels of op family 'conv').
#include "backends/reference/kernel_table.h"

namespace cnnc::backends::reference {

void register_conv_kernels(KernelTable&) {}

}  // namespace cnnc::backends::reference
