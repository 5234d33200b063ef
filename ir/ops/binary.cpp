// PLACEHOLDER: to be written (op family 'binary').
#include "ir/op_registry.h"

namespace cnnc::ir {

void register_binary_ops(OpRegistry&) {}

}  // namespace cnnc::ir
