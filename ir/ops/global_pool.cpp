// PLACEHOLDER: to be written (op family 'global_pool').
#include "ir/op_registry.h"

namespace cnnc::ir {

void register_global_pool_ops(OpRegistry&) {}

}  // namespace cnnc::ir
