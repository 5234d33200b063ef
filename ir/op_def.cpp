#include "ir/op_def.h"

namespace cnnc::ir {

std::string_view to_string(PatternKind k) {
  switch (k) {
    case PatternKind::Elementwise:
      return "elementwise";
    case PatternKind::Broadcast:
      return "broadcast";
    case PatternKind::Injective:
      return "injective";
    case PatternKind::Reduction:
      return "reduction";
    case PatternKind::OutputFusable:
      return "output-fusable";
    case PatternKind::Opaque:
      return "opaque";
  }
  return "?";
}

const AttrSpec* OpDef::find_attr(std::string_view attr_name) const {
  for (const auto& a : attrs)
    if (a.name == attr_name) return &a;
  return nullptr;
}

}  // namespace cnnc::ir
