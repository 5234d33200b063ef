// The op registry: name -> OpDef. Built-in ops and plugins register here.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "ir/op_def.h"

namespace cnnc::ir {

class OpRegistry {
 public:
  // Throws std::invalid_argument if the name is taken or the def is incomplete.
  void add(OpDef def);
  const OpDef* find(std::string_view name) const;
  std::vector<std::string> names() const;
  // Up to `max` registered names closest to `name` (edit distance), for "did you mean".
  std::vector<std::string> suggest(std::string_view name, size_t max = 3) const;

 private:
  std::map<std::string, std::unique_ptr<OpDef>, std::less<>> ops_;
};

// Registers every built-in op (the list in ir/ops/op_list.def).
void register_builtin_ops(OpRegistry& registry);

// Levenshtein distance; shared by every "did you mean".
size_t edit_distance(std::string_view a, std::string_view b);
std::vector<std::string> closest_names(std::string_view name, const std::vector<std::string>& pool,
                                       size_t max = 3);

}  // namespace cnnc::ir
