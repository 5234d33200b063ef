// Holding out a validation set: a seeded shuffle of the item indices, the
// last round(fraction * N) of them (at most N - 1, so training keeps at
// least one item) become the validation set, the rest the training set.
// Each part keeps the items in their original relative order, so a split
// with fraction 0 returns the data unchanged; the loader shuffles per epoch
// anyway. The shuffle uses runtime/data/random.h, so one seed gives the same
// split on every platform and standard library.
#pragma once

#include <cstdint>
#include <utility>

#include "runtime/data/idx.h"

namespace cnnc::data {

// Returns {training, validation}; both keep `classes` and `class_names`.
// Throws std::invalid_argument unless 0 <= fraction < 1, or when `data`'s
// labels are not one per image.
std::pair<LabeledImages, LabeledImages> split_validation(const LabeledImages& data, double fraction,
                                                         uint64_t seed);

}  // namespace cnnc::data
