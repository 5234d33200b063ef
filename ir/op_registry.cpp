#include "ir/op_registry.h"

#include <algorithm>
#include <stdexcept>

namespace cnnc::ir {

void OpRegistry::add(OpDef def) {
  if (def.name.empty()) throw std::invalid_argument("op registered without a name");
  if (!def.infer) throw std::invalid_argument("op '" + def.name + "' has no shape inference");
  if (ops_.count(def.name))
    throw std::invalid_argument("op '" + def.name + "' is already registered");
  std::string name = def.name;
  ops_.emplace(std::move(name), std::make_unique<OpDef>(std::move(def)));
}

const OpDef* OpRegistry::find(std::string_view name) const {
  auto it = ops_.find(name);
  return it == ops_.end() ? nullptr : it->second.get();
}

std::vector<std::string> OpRegistry::names() const {
  std::vector<std::string> out;
  for (const auto& [n, _] : ops_) out.push_back(n);
  return out;
}

std::vector<std::string> OpRegistry::suggest(std::string_view name, size_t max) const {
  return closest_names(name, names(), max);
}

size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t sub = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::vector<std::string> closest_names(std::string_view name, const std::vector<std::string>& pool,
                                       size_t max) {
  // Only suggest names that are plausibly a typo: within a third of the length.
  size_t limit = std::max<size_t>(2, name.size() / 3);
  std::vector<std::pair<size_t, std::string>> scored;
  for (const auto& candidate : pool) {
    size_t d = edit_distance(name, candidate);
    bool prefix = candidate.size() > name.size() && name.size() >= 3 &&
                  candidate.compare(0, name.size(), name) == 0;
    if (d <= limit || prefix) scored.emplace_back(d, candidate);
  }
  std::sort(scored.begin(), scored.end());
  std::vector<std::string> out;
  for (size_t i = 0; i < scored.size() && i < max; ++i) out.push_back(scored[i].second);
  return out;
}

}  // namespace cnnc::ir
