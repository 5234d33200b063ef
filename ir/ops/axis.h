// Axis attributes (softmax, flatten, concat): one definition of how a
// negative axis counts from the end, so every op reports a bad axis alike.
#pragma once

#include <fmt/format.h>

#include <cstdint>
#include <string>

#include "ir/op_def.h"
#include "ir/shape.h"

namespace cnnc::ir {

// The `axis` attribute as an index into `input`'s dims, with -1 meaning the
// last axis. `extra` also admits axis == rank (flatten's "everything in
// the first part"). Throws OpError on the `axis` attribute otherwise.
inline size_t normalize_axis(int64_t axis, const Shape& input, const std::string& op,
                             bool extra = false) {
  auto rank = static_cast<int64_t>(input.rank());
  int64_t a = axis < 0 ? axis + rank : axis;
  int64_t last = extra ? rank : rank - 1;
  if (a < 0 || a > last)
    throw OpError(fmt::format("{} axis={} is out of range for an input of shape {} (valid: {}..{})",
                              op, axis, to_string(input), -rank, last),
                  "axis");
  return static_cast<size_t>(a);
}

// The attribute spec: an integer, negative counting from the end.
inline AttrSpec axis_attr(int64_t default_axis, std::string doc) {
  return {.name = "axis",
          .type = AttrType::Int,
          .default_value = default_axis,
          .doc = std::move(doc) + " (negative counts from the end)"};
}

}  // namespace cnnc::ir
