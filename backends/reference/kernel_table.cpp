#include "backends/reference/kernel_table.h"

#include <stdexcept>

namespace cnnc::backends::reference {

void KernelTable::add(const std::string& op, Kernel kernel) {
  if (kernels_.count(op))
    throw std::invalid_argument("reference kernel for '" + op + "' is already registered");
  kernels_.emplace(op, std::move(kernel));
}

const Kernel* KernelTable::find(std::string_view op) const {
  auto it = kernels_.find(op);
  return it == kernels_.end() ? nullptr : &it->second;
}

#define CNNC_OP(family) void register_##family##_kernels(KernelTable&);
#include "ir/ops/op_list.def"
#undef CNNC_OP

void register_builtin_kernels(KernelTable& table) {
#define CNNC_OP(family) register_##family##_kernels(table);
#include "ir/ops/op_list.def"
#undef CNNC_OP
}

}  // namespace cnnc::backends::reference
