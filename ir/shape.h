// Tensor shapes with a symbolic batch dimension.
//
// The IR speaks NCHW (NCW, NCDHW). Dimension 0 of an activation is usually the
// batch, written `N` in models and fixed only at run time; it is stored as
// kBatch so shape inference can carry it through unchanged.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace cnnc::ir {

inline constexpr int64_t kBatch = -1;  // the symbolic batch size `N`

struct Shape {
  std::vector<int64_t> dims;

  Shape() = default;
  Shape(std::initializer_list<int64_t> d) : dims(d) {}
  explicit Shape(std::vector<int64_t> d) : dims(std::move(d)) {}

  size_t rank() const { return dims.size(); }
  int64_t operator[](size_t i) const { return dims[i]; }
  int64_t& operator[](size_t i) { return dims[i]; }
  bool has_symbolic_batch() const;
  // Elements per batch item when dim 0 is symbolic, otherwise all elements.
  int64_t elements_per_item() const;
  // Elements with the symbolic batch replaced by `batch`.
  int64_t elements(int64_t batch = 1) const;
  Shape with_batch(int64_t batch) const;
  bool operator==(const Shape&) const = default;
};

// "[N, 3, 224, 224]"
std::string to_string(const Shape& s);

}  // namespace cnnc::ir
