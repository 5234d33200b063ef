// PLACEHOLDER: to be written (op family 'concat').
#include "ir/op_registry.h"

namespace cnnc::ir {

void register_concat_ops(OpRegistry&) {}

}  // namespace cnnc::ir
