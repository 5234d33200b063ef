#include "runtime/data/npy_dataset.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "ir/shape.h"
#include "runtime/io_error.h"
#include "runtime/npy.h"

namespace cnnc::data {

namespace {

constexpr float kLabelLimit = 16777216.0f;  // 2^24: the last exact float32 integers end here

}  // namespace

LabeledImages read_npy_dataset(const std::string& images_npy, const std::string& labels_npy) {
  std::string dtype;
  ir::Tensor images = npy::read(images_npy, &dtype);
  ir::Shape shape = images.shape();
  if (shape.rank() == 3) {
    shape = ir::Shape{shape[0], 1, shape[1], shape[2]};
    images.reshape(shape);
  }
  if (shape.rank() != 4)
    throw IoError(fmt::format("'{}': images must be [N, C, H, W] or [N, H, W], not {}", images_npy,
                              ir::to_string(images.shape())));
  if (images.size() == 0)
    throw IoError(
        fmt::format("'{}': no images (shape {})", images_npy, ir::to_string(images.shape())));
  if (dtype == "|u1" || dtype == "<u1")
    for (float& v : images.data()) v /= 255.0f;

  ir::Tensor labels = npy::read(labels_npy);
  if (labels.shape().rank() != 1 || labels.shape()[0] != shape[0])
    throw IoError(fmt::format("'{}': labels must be [{}], one for each image of '{}', not {}",
                              labels_npy, shape[0], images_npy, ir::to_string(labels.shape())));
  int64_t classes = 0;
  for (int64_t i = 0; i < labels.size(); ++i) {
    const float v = labels[i];
    if (!(v >= 0) || v != std::floor(v) || v >= kLabelLimit)
      throw IoError(fmt::format(
          "'{}': label {} at index {} is not a class index (a whole number from 0 to {})",
          labels_npy, v, i, static_cast<int64_t>(kLabelLimit) - 1));
    classes = std::max(classes, static_cast<int64_t>(v) + 1);
  }
  return LabeledImages{
      .images = std::move(images), .labels = std::move(labels), .classes = classes};
}

}  // namespace cnnc::data
