// PLACEHOLDER: to be written (op family 'reshape').
#include "ir/op_registry.h"

namespace cnnc::ir {

void register_reshape_ops(OpRegistry&) {}

}  // namespace cnnc::ir
