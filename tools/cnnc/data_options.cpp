#include "tools/cnnc/data_options.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <string_view>

#include "tools/cnnc/command.h"

namespace cnnc::cli {

data::LabeledImages first_items(data::LabeledImages set, int64_t limit) {
  const int64_t n = set.labels.size();
  if (limit <= 0 || limit >= n) return set;
  ir::Shape shape = set.images.shape();
  const int64_t per_item = set.images.size() / n;
  shape[0] = limit;
  ir::Tensor images(shape), labels(ir::Shape{limit});
  std::copy_n(set.images.raw(), limit * per_item, images.raw());
  std::copy_n(set.labels.raw(), limit, labels.raw());
  set.images = std::move(images);
  set.labels = std::move(labels);
  return set;
}

ir::Shape image_input_shape(const ir::Graph& model, const std::string& command) {
  const auto inputs = model.input_nodes();
  if (inputs.size() != 1)
    throw UsageError(fmt::format("model '{}' has {} inputs; {} reads labelled images into one",
                                 model.name, inputs.size(), command));
  const ir::Shape in = model.node(inputs[0]).outputs.at(0);
  if (in.rank() != 4)
    throw UsageError(fmt::format("model '{}' takes {}; {} reads images [N, C, H, W]", model.name,
                                 ir::to_string(in), command));
  return in;
}

void check_fits(const ir::Graph& model, const data::LabeledImages& set, const std::string& what) {
  const ir::Node& input = model.node(model.input_nodes().at(0));
  const ir::Shape want = input.outputs.at(0).with_batch(set.images.shape()[0]);
  if (set.images.shape() != want)
    throw UsageError(fmt::format("the {} images are {} but model input '{}' is {}", what,
                                 ir::to_string(set.images.shape()), input.name,
                                 ir::to_string(input.outputs.at(0))));
}

void normalize_images(data::LabeledImages& set, const std::vector<float>& mean,
                      const std::vector<float>& std) {
  if (mean.empty() && std.empty()) return;
  const ir::Shape& shape = set.images.shape();
  const int64_t channels = shape[1], plane = shape[2] * shape[3];
  auto per_channel = [&](const std::vector<float>& values, float none, const char* name) {
    if (values.empty()) return std::vector<float>(static_cast<size_t>(channels), none);
    if (values.size() == 1) return std::vector<float>(static_cast<size_t>(channels), values[0]);
    if (static_cast<int64_t>(values.size()) != channels)
      throw UsageError(fmt::format("--{} has {} values; the images have {} channel{}", name,
                                   values.size(), channels, channels == 1 ? "" : "s"));
    return values;
  };
  const std::vector<float> m = per_channel(mean, 0.0f, "mean"), s = per_channel(std, 1.0f, "std");
  for (float v : s)
    if (!(v > 0)) throw UsageError(fmt::format("--std must be positive, got {}", v));
  float* x = set.images.raw();
  for (int64_t item = 0; item < shape[0]; ++item)
    for (int64_t c = 0; c < channels; ++c)
      for (int64_t i = 0; i < plane; ++i, ++x) *x = (*x - m[c]) / s[c];
}

void check_image_size(const std::string& size, const ir::Shape& input, const std::string& model) {
  if (size.empty()) return;
  auto number = [&](std::string_view text) -> int64_t {
    int64_t v = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || end != text.data() + text.size() || v < 1)
      throw UsageError(fmt::format("--image-size {}: expected N or HxW, e.g. 64 or 48x64", size));
    return v;
  };
  const size_t x = size.find('x');
  const int64_t h = number(std::string_view(size).substr(0, x));
  const int64_t w = x == std::string::npos ? h : number(std::string_view(size).substr(x + 1));
  if (h != input[2] || w != input[3])
    throw UsageError(fmt::format(
        "--image-size {} but model '{}' takes {}x{} images ({}); images are resized to the "
        "model's input, so change the model's input line to train on {}x{}",
        size, model, input[2], input[3], ir::to_string(input), h, w));
}

}  // namespace cnnc::cli
