#include "frontend/diagnostics.h"

#include <fmt/format.h>

#include <algorithm>

namespace cnnc::frontend {

void SourceManager::add(const std::string& file, std::string text) {
  File f{std::move(text), {0}};
  for (size_t i = 0; i < f.text.size(); ++i)
    if (f.text[i] == '\n') f.line_starts.push_back(i + 1);
  files_[file] = std::move(f);
}

std::string_view SourceManager::line(const std::string& file, int line) const {
  auto it = files_.find(file);
  if (it == files_.end() || line < 1 || static_cast<size_t>(line) > it->second.line_starts.size())
    return {};
  const File& f = it->second;
  size_t begin = f.line_starts[static_cast<size_t>(line - 1)];
  size_t end = f.text.find('\n', begin);
  if (end == std::string::npos) end = f.text.size();
  std::string_view text(f.text);
  auto out = text.substr(begin, end - begin);
  if (!out.empty() && out.back() == '\r') out.remove_suffix(1);
  return out;
}

void DiagnosticEngine::error(Diagnostic d) {
  auto same = [&](const Diagnostic& e) {
    return e.location.file == d.location.file && e.location.line == d.location.line &&
           e.location.column == d.location.column && e.message == d.message;
  };
  if (std::any_of(errors_.begin(), errors_.end(), same)) return;
  errors_.push_back(std::move(d));
}

std::string DiagnosticEngine::render(const Diagnostic& d) const {
  const auto& loc = d.location;
  std::string out;
  if (loc.known())
    out += fmt::format("{}:{}:{}: error: {}\n", loc.file, loc.line, loc.column, d.message);
  else
    out += fmt::format("{}: error: {}\n", loc.file.empty() ? "<model>" : loc.file, d.message);
  if (loc.known()) {
    auto text = sources_.line(loc.file, loc.line);
    // Long lines are cut around the caret so a 10 MB line prints a readable excerpt.
    constexpr size_t kWidth = 120;
    size_t col = static_cast<size_t>(std::max(1, loc.column)) - 1;
    size_t start = col > kWidth / 2 ? col - kWidth / 2 : 0;
    if (start > text.size()) start = text.size();
    std::string excerpt(text.substr(start, kWidth));
    for (auto& c : excerpt)
      if (static_cast<unsigned char>(c) < 0x20 && c != '\t') c = '?';
    std::string gutter = fmt::format("{:>5} | ", loc.line);
    out += gutter + (start ? "..." : "") + excerpt + (start + kWidth < text.size() ? "..." : "") +
           "\n";
    size_t caret_col = col - start + (start ? 3 : 0);
    std::string pad;
    for (size_t i = 0; i < caret_col; ++i) {
      size_t src = start + i - (start ? 3 : 0);
      pad += (src < text.size() && text[src] == '\t') ? '\t' : ' ';
    }
    int len = std::clamp(loc.length, 1, 80);
    out += std::string(gutter.size() - 2, ' ') + "| " + pad + "^" +
           std::string(static_cast<size_t>(len - 1), '~') + "\n";
  }
  for (const auto& f : d.instantiated_from)
    out += fmt::format("      = in block '{}' instantiated at {}:{}:{}\n", f.block, f.site.file,
                       f.site.line, f.site.column);
  for (const auto& n : d.notes) out += "      = note: " + n + "\n";
  if (!d.help.empty()) out += "      = help: " + d.help + "\n";
  return out;
}

void DiagnosticEngine::print(std::ostream& out) const {
  // Like a compiler's error limit: past this, a file is not a model at all
  // and more lines only bury the first, most useful messages.
  constexpr size_t kShown = 30;
  for (size_t i = 0; i < errors_.size() && i < kShown; ++i) out << render(errors_[i]);
  if (errors_.size() > kShown)
    out << fmt::format("... {} more errors not shown\n", errors_.size() - kShown);
  if (!errors_.empty())
    out << fmt::format("{} error{} found\n", errors_.size(), errors_.size() == 1 ? "" : "s");
}

}  // namespace cnnc::frontend
