// Turns an ast::Module into an ir::Graph: expands blocks and repeats,
// resolves `from=` names, checks and coerces attributes against the op
// registry, creates parameter nodes and infers shapes layer by layer so that
// a mismatch is reported where it is written, naming where each operand
// came from. Every problem goes to the DiagnosticEngine.
#pragma once

#include <optional>

#include "frontend/ast.h"
#include "frontend/diagnostics.h"
#include "ir/graph.h"
#include "ir/op_registry.h"

namespace cnnc::frontend {

// nullopt when any error was reported.
std::optional<ir::Graph> build_graph(const ast::Module& module, const ir::OpRegistry& ops,
                                     DiagnosticEngine& diag);

}  // namespace cnnc::frontend
