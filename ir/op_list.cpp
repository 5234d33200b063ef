#include "ir/op_registry.h"

namespace cnnc::ir {

#define CNNC_OP(family) void register_##family##_ops(OpRegistry&);
#include "ir/ops/op_list.def"
#undef CNNC_OP

void register_builtin_ops(OpRegistry& registry) {
#define CNNC_OP(family) register_##family##_ops(registry);
#include "ir/ops/op_list.def"
#undef CNNC_OP
}

}  // namespace cnnc::ir
