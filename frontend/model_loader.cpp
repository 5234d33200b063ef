#include "frontend/model_loader.h"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "frontend/graph_builder.h"
#include "frontend/lexer.h"
#include "frontend/parser.h"

namespace cnnc::frontend {

ir::Graph parse_model(const std::string& file_name, std::string_view text,
                      const ir::OpRegistry& ops) {
  SourceManager sources;
  sources.add(file_name, std::string(text));
  DiagnosticEngine diag(sources);
  auto module = parse(file_name, text, diag);
  // After a syntax error the builder would only add echoes of it (a skipped
  // line's layer is "unknown" further down), so it runs on clean syntax only.
  // It reports every semantic problem of the file in one run.
  std::optional<ir::Graph> graph;
  if (!diag.has_errors()) graph = build_graph(module, ops, diag);
  if (diag.has_errors() || !graph) {
    std::ostringstream report;
    diag.print(report);
    throw ModelError(report.str(), diag.errors().size());
  }
  return std::move(*graph);
}

ir::Graph load_model(const std::string& path, const ir::OpRegistry& ops) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    throw std::runtime_error(fmt::format("{}: is a directory, not a model file", path));
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw std::runtime_error(
        fmt::format("{}: cannot open model file: {}", path, std::strerror(errno)));
  in.seekg(0, std::ios::end);
  auto size = static_cast<size_t>(in.tellg());
  if (size > kMaxFileSize)
    throw std::runtime_error(fmt::format(
        "{}: file is {} bytes; model files are limited to {} bytes", path, size, kMaxFileSize));
  in.seekg(0);
  std::string text(size, '\0');
  in.read(text.data(), static_cast<std::streamsize>(size));
  return parse_model(path, text, ops);
}

}  // namespace cnnc::frontend
