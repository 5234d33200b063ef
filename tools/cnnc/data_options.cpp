#include "tools/cnnc/data_options.h"

#include <fmt/format.h>

#include <algorithm>

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

}  // namespace cnnc::cli
