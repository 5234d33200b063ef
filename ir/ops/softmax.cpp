// PLACEHOLDER: to be written (op family 'softmax').
#include "ir/op_registry.h"

namespace cnnc::ir {

void register_softmax_ops(OpRegistry&) {}

}  // namespace cnnc::ir
