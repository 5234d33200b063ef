// Diagnostics for people: every problem carries file:line:col, the source
// line with a caret under the culprit, and what to do about it. Problems are
// collected, not thrown, so one run reports all of them.
#pragma once

#include <map>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "ir/source_location.h"

namespace cnnc::frontend {

// The text of every file read, so messages can quote their lines.
class SourceManager {
 public:
  void add(const std::string& file, std::string text);
  // The line's text without its newline; empty if unknown.
  std::string_view line(const std::string& file, int line) const;

 private:
  struct File {
    std::string text;
    std::vector<size_t> line_starts;
  };
  std::map<std::string, File> files_;
};

struct Diagnostic {
  ir::SourceLocation location;
  std::string message;
  std::vector<std::string> notes;  // "note: ..." lines: where operands came from, blocks
  std::string help;                // "help: did you mean 'conv2d'?"
  std::vector<ir::SourceTrace::Frame> instantiated_from;
};

class DiagnosticEngine {
 public:
  explicit DiagnosticEngine(const SourceManager& sources) : sources_(sources) {}
  // Identical diagnostics (same place and message, e.g. from each
  // instantiation of a block) are kept once.
  void error(Diagnostic d);
  bool has_errors() const { return !errors_.empty(); }
  const std::vector<Diagnostic>& errors() const { return errors_; }
  // Renders every diagnostic, followed by a count.
  void print(std::ostream& out) const;
  std::string render(const Diagnostic& d) const;

 private:
  const SourceManager& sources_;
  std::vector<Diagnostic> errors_;
};

// Thrown by load functions when the model has errors; what() is the full
// rendered report.
struct ModelError : std::runtime_error {
  ModelError(const std::string& report, size_t count)
      : std::runtime_error(report), error_count(count) {}
  size_t error_count;
};

}  // namespace cnnc::frontend
