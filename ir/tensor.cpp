#include "ir/tensor.h"

#include <fmt/format.h>

#include <stdexcept>

namespace cnnc::ir {

namespace {
int64_t checked_elements(const Shape& s) {
  int64_t n = 1;
  for (auto d : s.dims) {
    if (d < 0) throw std::invalid_argument("tensor shape " + to_string(s) + " is not concrete");
    n *= d;
  }
  return n;
}
}  // namespace

Tensor::Tensor(Shape shape) : shape_(std::move(shape)) {
  data_.assign(static_cast<size_t>(checked_elements(shape_)), 0.0f);
}

Tensor::Tensor(Shape shape, std::vector<float> data)
    : shape_(std::move(shape)), data_(std::move(data)) {
  if (checked_elements(shape_) != static_cast<int64_t>(data_.size()))
    throw std::invalid_argument(
        fmt::format("tensor of shape {} given {} values", to_string(shape_), data_.size()));
}

void Tensor::reshape(Shape shape) {
  if (checked_elements(shape) != size())
    throw std::invalid_argument(
        fmt::format("cannot reshape {} to {}", to_string(shape_), to_string(shape)));
  shape_ = std::move(shape);
}

}  // namespace cnnc::ir
