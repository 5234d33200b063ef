// PLACEHOLDER: to be written (op family 'local').
#include "ir/op_registry.h"

namespace cnnc::ir {

void register_local_ops(OpRegistry&) {}

}  // namespace cnnc::ir
