// A dense float32 tensor: the value type that flows between the runtime,
// backends and parameter nodes of the graph. Owns its data; copies are deep.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "ir/shape.h"

namespace cnnc::ir {

class Tensor {
 public:
  Tensor() = default;
  // A zero-filled tensor; the shape must be concrete (no symbolic batch).
  explicit Tensor(Shape shape);
  Tensor(Shape shape, std::vector<float> data);

  const Shape& shape() const { return shape_; }
  int64_t size() const { return static_cast<int64_t>(data_.size()); }
  std::span<float> data() { return data_; }
  std::span<const float> data() const { return data_; }
  float* raw() { return data_.data(); }
  const float* raw() const { return data_.data(); }
  float& operator[](int64_t i) { return data_[static_cast<size_t>(i)]; }
  float operator[](int64_t i) const { return data_[static_cast<size_t>(i)]; }
  // Same data, new shape with the same element count.
  void reshape(Shape shape);

 private:
  Shape shape_;
  std::vector<float> data_;
};

}  // namespace cnnc::ir
