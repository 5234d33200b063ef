#include "ir/source_location.h"

#include <fmt/format.h>

namespace cnnc::ir {

std::string SourceTrace::describe() const {
  if (!location.known()) return "<generated>";
  std::string out = fmt::format("{}:{}:{}", location.file, location.line, location.column);
  for (const auto& f : instantiated_from)
    out += fmt::format(" (in block {} instantiated at {}:{}:{})", f.block, f.site.file, f.site.line,
                       f.site.column);
  return out;
}

}  // namespace cnnc::ir
