// PLACEHOLDER: to be written (op family 'batchnorm').
#include "ir/op_registry.h"

namespace cnnc::ir {

void register_batchnorm_ops(OpRegistry&) {}

}  // namespace cnnc::ir
