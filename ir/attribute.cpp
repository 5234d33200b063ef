#include "ir/attribute.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace cnnc::ir {

std::string_view to_string(AttrType t) {
  switch (t) {
    case AttrType::Int:
      return "integer";
    case AttrType::Float:
      return "number";
    case AttrType::Bool:
      return "true or false";
    case AttrType::Ident:
      return "identifier";
    case AttrType::Ints:
      return "integer or list of integers";
    case AttrType::Floats:
      return "list of numbers";
    case AttrType::IntsOrIdent:
      return "integer, list of integers or identifier";
  }
  return "?";
}

namespace {
std::string format_double(double d) {
  std::string s = fmt::format("{}", d);
  if (s.find_first_of(".eEn") == std::string::npos) s += ".0";
  return s;
}

std::string describe_value(const AttrValue& v) {
  return std::visit(
      [&](const auto& x) -> std::string {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, int64_t>)
          return "integer " + format_attr_value(v);
        else if constexpr (std::is_same_v<T, double>)
          return "number " + format_attr_value(v);
        else if constexpr (std::is_same_v<T, bool>)
          return "boolean " + format_attr_value(v);
        else if constexpr (std::is_same_v<T, std::string>)
          return "identifier '" + x + "'";
        else
          return "list " + format_attr_value(v);
      },
      v);
}

std::string choices_text(const std::vector<std::string>& c) {
  std::string out;
  for (size_t i = 0; i < c.size(); ++i) out += (i ? ", " : "") + c[i];
  return out;
}
}  // namespace

std::string format_attr_value(const AttrValue& v) {
  return std::visit(
      [](const auto& x) -> std::string {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, int64_t>)
          return fmt::format("{}", x);
        else if constexpr (std::is_same_v<T, double>)
          return format_double(x);
        else if constexpr (std::is_same_v<T, bool>)
          return x ? "true" : "false";
        else if constexpr (std::is_same_v<T, std::string>)
          return x;
        else if constexpr (std::is_same_v<T, std::vector<int64_t>>)
          return fmt::format("[{}]", fmt::join(x, ","));
        else {
          std::vector<std::string> parts;
          for (double d : x) parts.push_back(format_double(d));
          return fmt::format("[{}]", fmt::join(parts, ","));
        }
      },
      v);
}

AttrValue coerce_attr(const AttrSpec& spec, const AttrValue& raw) {
  auto mismatch = [&] {
    return AttrError(fmt::format("attribute '{}' expects {}, got {}", spec.name,
                                 to_string(spec.type), describe_value(raw)));
  };
  auto check_choice = [&](const std::string& s) {
    if (std::find(spec.choices.begin(), spec.choices.end(), s) == spec.choices.end())
      throw AttrError(fmt::format("attribute '{}' does not accept '{}'; expected one of: {}",
                                  spec.name, s, choices_text(spec.choices)));
  };
  AttrValue out;
  switch (spec.type) {
    case AttrType::Int:
      if (auto* i = std::get_if<int64_t>(&raw))
        out = *i;
      else
        throw mismatch();
      break;
    case AttrType::Float:
      if (auto* i = std::get_if<int64_t>(&raw))
        out = static_cast<double>(*i);
      else if (auto* d = std::get_if<double>(&raw))
        out = *d;
      else
        throw mismatch();
      break;
    case AttrType::Bool:
      if (auto* b = std::get_if<bool>(&raw))
        out = *b;
      else if (auto* s = std::get_if<std::string>(&raw); s && (*s == "true" || *s == "false"))
        out = (*s == "true");
      else
        throw mismatch();
      break;
    case AttrType::Ident:
      if (auto* s = std::get_if<std::string>(&raw)) {
        check_choice(*s);
        out = *s;
      } else
        throw mismatch();
      break;
    case AttrType::IntsOrIdent:
      if (auto* s = std::get_if<std::string>(&raw)) {
        check_choice(*s);
        out = *s;
        break;
      }
      [[fallthrough]];
    case AttrType::Ints:
      if (auto* i = std::get_if<int64_t>(&raw))
        out = *i;
      else if (auto* l = std::get_if<std::vector<int64_t>>(&raw)) {
        if (l->empty())
          throw AttrError(fmt::format("attribute '{}' must not be an empty list", spec.name));
        out = *l;
      } else
        throw mismatch();
      break;
    case AttrType::Floats:
      if (auto* l = std::get_if<std::vector<double>>(&raw))
        out = *l;
      else if (auto* li = std::get_if<std::vector<int64_t>>(&raw))
        out = std::vector<double>(li->begin(), li->end());
      else if (auto* d = std::get_if<double>(&raw))
        out = std::vector<double>{*d};
      else if (auto* i = std::get_if<int64_t>(&raw))
        out = std::vector<double>{static_cast<double>(*i)};
      else
        throw mismatch();
      break;
  }
  // Sizes beyond 2^31 are typos, and rejecting them keeps every shape and
  // cost computation far from int64 overflow.
  auto in_range = [](int64_t v) { return v >= -kMaxAttrInt && v <= kMaxAttrInt; };
  bool ok = true;
  if (auto* i = std::get_if<int64_t>(&out)) ok = in_range(*i);
  if (auto* l = std::get_if<std::vector<int64_t>>(&out))
    ok = std::all_of(l->begin(), l->end(), in_range);
  if (!ok)
    throw AttrError(fmt::format("attribute '{}' value {} is out of range (at most {} in magnitude)",
                                spec.name, format_attr_value(out), kMaxAttrInt));
  if (spec.check)
    if (auto why = spec.check(out))
      throw AttrError(fmt::format("attribute '{}': {}", spec.name, *why));
  return out;
}

const AttrValue& AttrMap::get(const std::string& name) const {
  auto it = values_.find(name);
  if (it == values_.end()) throw AttrError("attribute '" + name + "' is not set");
  return it->second;
}

int64_t AttrMap::get_int(const std::string& name) const {
  if (auto* i = std::get_if<int64_t>(&get(name))) return *i;
  throw AttrError("attribute '" + name + "' is not an integer");
}

double AttrMap::get_float(const std::string& name) const {
  const auto& v = get(name);
  if (auto* d = std::get_if<double>(&v)) return *d;
  if (auto* i = std::get_if<int64_t>(&v)) return static_cast<double>(*i);
  throw AttrError("attribute '" + name + "' is not a number");
}

bool AttrMap::get_bool(const std::string& name) const {
  if (auto* b = std::get_if<bool>(&get(name))) return *b;
  throw AttrError("attribute '" + name + "' is not a boolean");
}

const std::string& AttrMap::get_ident(const std::string& name) const {
  if (auto* s = std::get_if<std::string>(&get(name))) return *s;
  throw AttrError("attribute '" + name + "' is not an identifier");
}

bool AttrMap::is_ident(const std::string& name) const {
  return has(name) && std::holds_alternative<std::string>(get(name));
}

std::vector<int64_t> AttrMap::get_ints(const std::string& name) const {
  const auto& v = get(name);
  if (auto* i = std::get_if<int64_t>(&v)) return {*i};
  if (auto* l = std::get_if<std::vector<int64_t>>(&v)) return *l;
  throw AttrError("attribute '" + name + "' is not a list of integers");
}

std::vector<int64_t> AttrMap::get_ints(const std::string& name, size_t rank) const {
  const auto& v = get(name);
  if (auto* i = std::get_if<int64_t>(&v)) return std::vector<int64_t>(rank, *i);
  auto list = get_ints(name);
  if (list.size() != rank)
    throw AttrError(fmt::format("attribute '{}' needs {} values for {} spatial dimension{}, got {}",
                                name, rank, rank, rank == 1 ? "" : "s", list.size()));
  return list;
}

std::vector<double> AttrMap::get_floats(const std::string& name) const {
  const auto& v = get(name);
  if (auto* l = std::get_if<std::vector<double>>(&v)) return *l;
  if (auto* d = std::get_if<double>(&v)) return {*d};
  throw AttrError("attribute '" + name + "' is not a list of numbers");
}

}  // namespace cnnc::ir
