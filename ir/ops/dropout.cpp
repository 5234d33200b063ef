// PLACEHOLDER: to be written (op family 'dropout').
#include "ir/op_registry.h"

namespace cnnc::ir {

void register_dropout_ops(OpRegistry&) {}

}  // namespace cnnc::ir
