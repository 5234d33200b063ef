// PLACEHOLDER: to be written (op family 'lrn').
#include "ir/op_registry.h"

namespace cnnc::ir {

void register_lrn_ops(OpRegistry&) {}

}  // namespace cnnc::ir
