// PLACEHOLDER: to be written (op family 'flatten').
#include "ir/op_registry.h"

namespace cnnc::ir {

void register_flatten_ops(OpRegistry&) {}

}  // namespace cnnc::ir
