#include "ir/shape.h"

#include <fmt/format.h>

namespace cnnc::ir {

bool Shape::has_symbolic_batch() const {
  for (auto d : dims)
    if (d == kBatch) return true;
  return false;
}

int64_t Shape::elements_per_item() const {
  int64_t n = 1;
  for (auto d : dims)
    if (d != kBatch) n *= d;
  return n;
}

int64_t Shape::elements(int64_t batch) const {
  int64_t n = 1;
  for (auto d : dims) n *= (d == kBatch ? batch : d);
  return n;
}

Shape Shape::with_batch(int64_t batch) const {
  Shape s = *this;
  for (auto& d : s.dims)
    if (d == kBatch) d = batch;
  return s;
}

std::string to_string(const Shape& s) {
  std::string out = "[";
  for (size_t i = 0; i < s.dims.size(); ++i) {
    if (i) out += ", ";
    out += s.dims[i] == kBatch ? std::string("N") : fmt::format("{}", s.dims[i]);
  }
  return out + "]";
}

}  // namespace cnnc::ir
