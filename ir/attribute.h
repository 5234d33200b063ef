// Layer attributes: the values written as `key=value` and the schema an OpDef
// declares for them (type, default, documentation, validation).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

namespace cnnc::ir {

// Identifiers (act=relu, pad=same) are kept as strings.
using AttrValue =
    std::variant<int64_t, double, bool, std::string, std::vector<int64_t>, std::vector<double>>;

enum class AttrType {
  Int,
  Float,
  Bool,
  Ident,       // one of AttrSpec::choices
  Ints,        // a list of integers, or one integer meaning "the same for every axis"
  Floats,      // a list of floats (integers accepted)
  IntsOrIdent  // like Ints, or one of the choices (pad=same)
};

inline constexpr int64_t kMaxAttrInt = (int64_t{1} << 31) - 1;

std::string_view to_string(AttrType t);
// A value written as in the model language: 3, 0.5, relu, [3, 5].
std::string format_attr_value(const AttrValue& v);

struct AttrSpec {
  std::string name;
  AttrType type = AttrType::Int;
  std::optional<AttrValue> default_value;  // none: required, unless `optional`
  bool optional = false;                   // may be absent (e.g. pooling stride = kernel)
  std::string doc;
  std::vector<std::string> choices;  // for Ident and IntsOrIdent
  // Extra checks: return an explanation when the value is invalid.
  std::function<std::optional<std::string>(const AttrValue&)> check;
};

// Thrown for a value that does not fit its spec; the caller adds the location.
struct AttrError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Converts a parsed value to the spec's type (int to float, true/false to
// bool), checks choices and the spec's own check. Throws AttrError.
AttrValue coerce_attr(const AttrSpec& spec, const AttrValue& raw);

// The attributes of one node, after coercion and with defaults filled in.
class AttrMap {
 public:
  void set(const std::string& name, AttrValue v) { values_[name] = std::move(v); }
  bool has(const std::string& name) const { return values_.count(name) != 0; }
  const AttrValue& get(const std::string& name) const;

  int64_t get_int(const std::string& name) const;
  double get_float(const std::string& name) const;
  bool get_bool(const std::string& name) const;
  const std::string& get_ident(const std::string& name) const;
  bool is_ident(const std::string& name) const;
  // A list attribute; a single integer is repeated `rank` times, and a list
  // of the wrong length is an AttrError.
  std::vector<int64_t> get_ints(const std::string& name, size_t rank) const;
  std::vector<int64_t> get_ints(const std::string& name) const;
  std::vector<double> get_floats(const std::string& name) const;

  const std::map<std::string, AttrValue>& values() const { return values_; }
  bool operator==(const AttrMap&) const = default;

 private:
  std::map<std::string, AttrValue> values_;
};

}  // namespace cnnc::ir
