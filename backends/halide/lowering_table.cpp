#include "backends/halide/lowering_table.h"

#include <stdexcept>

namespace cnnc::backends::halide {

Halide::Func LoweringContext::func(std::string_view what) const {
  return Halide::Func(prefix + "_" + std::string(what));
}

void LoweringTable::add(const std::string& op, Lowering lowering) {
  if (lowerings_.count(op))
    throw std::invalid_argument("Halide lowering for '" + op + "' is already registered");
  lowerings_.emplace(op, std::move(lowering));
}

const Lowering* LoweringTable::find(std::string_view op) const {
  auto it = lowerings_.find(op);
  return it == lowerings_.end() ? nullptr : &it->second;
}

std::vector<std::string> LoweringTable::ops() const {
  std::vector<std::string> out;
  for (const auto& [name, _] : lowerings_) out.push_back(name);
  return out;
}

#define CNNC_OP(family) void register_##family##_halide(LoweringTable&);
#include "ir/ops/op_list.def"
#undef CNNC_OP

void register_builtin_lowerings(LoweringTable& table) {
#define CNNC_OP(family) register_##family##_halide(table);
#include "ir/ops/op_list.def"
#undef CNNC_OP
}

}  // namespace cnnc::backends::halide
