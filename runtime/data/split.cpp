#include "runtime/data/split.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <stdexcept>
#include <vector>

#include "runtime/data/random.h"

namespace cnnc::data {

namespace {

LabeledImages gather(const LabeledImages& data, std::span<const int64_t> indices) {
  const int64_t n = data.labels.size();
  const int64_t item = n == 0 ? 0 : data.images.size() / n;
  ir::Shape shape = data.images.shape();
  shape[0] = static_cast<int64_t>(indices.size());
  LabeledImages out{.images = ir::Tensor(shape),
                    .labels = ir::Tensor(ir::Shape{static_cast<int64_t>(indices.size())}),
                    .classes = data.classes,
                    .class_names = data.class_names};
  for (size_t k = 0; k < indices.size(); ++k) {
    const int64_t i = indices[k];
    std::copy_n(data.images.raw() + i * item, item,
                out.images.raw() + static_cast<int64_t>(k) * item);
    out.labels[static_cast<int64_t>(k)] = data.labels[i];
  }
  return out;
}

}  // namespace

std::pair<LabeledImages, LabeledImages> split_validation(const LabeledImages& data, double fraction,
                                                         uint64_t seed) {
  if (!(fraction >= 0 && fraction < 1))
    throw std::invalid_argument(
        fmt::format("validation fraction {} is not in [0, 1): give e.g. 0.1 for 10%", fraction));
  const int64_t n = data.labels.size();
  if (data.labels.shape().rank() != 1 || data.images.shape().rank() < 1 ||
      data.images.shape()[0] != n)
    throw std::invalid_argument(fmt::format("cannot split images {} with labels {}",
                                            ir::to_string(data.images.shape()),
                                            ir::to_string(data.labels.shape())));

  const int64_t held_out = std::clamp<int64_t>(std::llround(fraction * static_cast<double>(n)), 0,
                                               std::max<int64_t>(n - 1, 0));
  std::vector<int64_t> order(static_cast<size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  // Fisher-Yates, written out because std::shuffle differs between libraries.
  std::mt19937_64 rng(seed);
  for (int64_t i = n - 1; i > 0; --i)
    std::swap(order[static_cast<size_t>(i)],
              order[uniform_below(rng, static_cast<uint64_t>(i) + 1)]);

  const auto cut = order.begin() + (n - held_out);
  std::sort(order.begin(), cut);
  std::sort(cut, order.end());
  return {gather(data, std::span(order.begin(), cut)), gather(data, std::span(cut, order.end()))};
}

}  // namespace cnnc::data
