// PLACEHOLDER: to be written (reference kernels of op family 'conv_transpose').
#include "backends/reference/kernel_table.h"

namespace cnnc::backends::reference {

void register_conv_transpose_kernels(KernelTable&) {}

}  // namespace cnnc::backends::reference
