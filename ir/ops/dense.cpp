// PLACEHOLDER: to be written (op family 'dense').
#include "ir/op_registry.h"

namespace cnnc::ir {

void register_dense_ops(OpRegistry&) {}

}  // namespace cnnc::ir
