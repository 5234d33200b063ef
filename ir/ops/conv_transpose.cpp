// PLACEHOLDER: to be written (op family 'conv_transpose').
#include "ir/op_registry.h"

namespace cnnc::ir {

void register_conv_transpose_ops(OpRegistry&) {}

}  // namespace cnnc::ir
