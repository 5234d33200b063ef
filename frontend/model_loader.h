// Reading a model: a .cnn file or text -> a shape-inferred ir::Graph.
#pragma once

#include <string>
#include <string_view>

#include "frontend/diagnostics.h"
#include "ir/graph.h"
#include "ir/op_registry.h"

namespace cnnc::frontend {

// Throws ModelError whose what() is the full report (every problem, each
// with file:line:col and a caret) when the model has errors, and
// std::runtime_error when the file cannot be read.
ir::Graph load_model(const std::string& path, const ir::OpRegistry& ops);
ir::Graph parse_model(const std::string& file_name, std::string_view text,
                      const ir::OpRegistry& ops);

}  // namespace cnnc::frontend
