// PassRegistry: the one list of passes and named pipelines.
#include "passes/pass.h"

#include <fmt/format.h>

#include <stdexcept>

namespace cnnc::passes {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

void PassRegistry::add(PassInfo pass) {
  if (pass.name.empty() || !pass.run)
    throw std::invalid_argument("pass registered without a name or a function");
  if (passes_.count(pass.name) || pipelines_.count(pass.name))
    throw std::invalid_argument("pass '" + pass.name + "' is already registered");
  std::string name = pass.name;
  passes_.emplace(std::move(name), std::move(pass));
}

const PassInfo* PassRegistry::find(std::string_view name) const {
  auto it = passes_.find(name);
  return it == passes_.end() ? nullptr : &it->second;
}

std::vector<std::string> PassRegistry::names() const {
  std::vector<std::string> out;
  for (const auto& [n, _] : passes_) out.push_back(n);
  return out;
}

void PassRegistry::add_pipeline(std::string name, std::vector<std::string> passes,
                                std::string description) {
  if (passes_.count(name) || pipelines_.count(name))
    throw std::invalid_argument("pipeline '" + name + "' is already registered");
  for (const auto& p : passes)
    if (!find(p))
      throw std::invalid_argument(fmt::format("pipeline '{}' names unknown pass '{}'", name, p));
  pipelines_.emplace(std::move(name), std::make_pair(std::move(passes), std::move(description)));
}

std::vector<std::string> PassRegistry::expand(std::string_view spec) const {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= spec.size()) {
    size_t comma = spec.find(',', start);
    if (comma == std::string_view::npos) comma = spec.size();
    std::string_view item = trim(spec.substr(start, comma - start));
    start = comma + 1;
    if (item.empty())
      throw std::invalid_argument(fmt::format("empty pass name in pipeline '{}'", spec));
    if (auto it = pipelines_.find(item); it != pipelines_.end()) {
      out.insert(out.end(), it->second.first.begin(), it->second.first.end());
    } else if (find(item)) {
      out.emplace_back(item);
    } else {
      auto pool = names();
      for (const auto& [n, _] : pipelines_) pool.push_back(n);
      auto near = ir::closest_names(item, pool, 1);
      throw std::invalid_argument(
          fmt::format("unknown pass or pipeline '{}'{}", item,
                      near.empty() ? "" : fmt::format("; did you mean '{}'?", near[0])));
    }
  }
  return out;
}

}  // namespace cnnc::passes
