// What the commands that read labelled images share (`train`, `eval`):
// taking the first N items, and checking that the images fit the model.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ir/graph.h"
#include "runtime/data/idx.h"

namespace cnnc::cli {

// The first `limit` items (all when 0 or negative).
data::LabeledImages first_items(data::LabeledImages set, int64_t limit);

// The [N, C, H, W] a model's (first) input takes, with N symbolic; a
// UsageError when it is not 4-D, since labelled data are images.
ir::Shape image_input_shape(const ir::Graph& model, const std::string& command);

// The data's images must be what the model's input takes: a UsageError
// naming `what` ("training", "test", ...), both shapes and the input otherwise.
void check_fits(const ir::Graph& model, const data::LabeledImages& set, const std::string& what);

// Per-channel normalization of a data set's images, (x - mean) / std: one
// value for every channel or one per channel; empty: none. A UsageError
// for another count or a std that is not positive.
void normalize_images(data::LabeledImages& set, const std::vector<float>& mean,
                      const std::vector<float>& std);

// `--image-size N` or `HxW`, which must be what the model's input takes
// (images are resized to the input's size); a UsageError naming both
// otherwise, or for a malformed size. Empty: nothing to check.
void check_image_size(const std::string& size, const ir::Shape& input, const std::string& model);

}  // namespace cnnc::cli
