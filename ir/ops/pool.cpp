// PLACEHOLDER: to be written (op family 'pool').
#include "ir/op_registry.h"

namespace cnnc::ir {

void register_pool_ops(OpRegistry&) {}

}  // namespace cnnc::ir
