// Parses tokens into an ast::Module. Each malformed statement is reported
// and skipped to the next line, so one run reports every syntax error.
#pragma once

#include <string>
#include <string_view>

#include "frontend/ast.h"
#include "frontend/diagnostics.h"

namespace cnnc::frontend {

ast::Module parse(const std::string& file, std::string_view text, DiagnosticEngine& diag);

}  // namespace cnnc::frontend
