// PLACEHOLDER: to be written (op family 'activation').
#include "ir/op_registry.h"

namespace cnnc::ir {

void register_activation_ops(OpRegistry&) {}

}  // namespace cnnc::ir
