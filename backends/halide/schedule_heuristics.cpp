#include "backends/halide/schedule_heuristics.h"

#include <fmt/format.h>

#include <stdexcept>

namespace cnnc::backends::halide {

namespace {

int64_t ceil_div(int64_t a, int64_t b) {
  return (a + b - 1) / b;
}

// Accumulator registers a tile may use: the rest hold weight vectors and
// broadcast inputs (Halide's conv_layer app: 12 of 16 on AVX2, 20 of 32 on
// AVX-512 and arm-64; more spilled here).
int accumulator_budget(const TargetTraits& t) {
  return t.registers >= 32 ? 20 : 12;
}

// Register tile (vectors of channels x columns) for a convolution whose
// output channels are a multiple of the vector width. Each pooled output
// column needs pool_x * pool_y accumulators.
Schedule channels_tile(const AnchorShape& a, const TargetTraits& t) {
  Schedule s{.kind = ScheduleTemplate::ConvChannels, .vector_width = t.vector_width};
  const int budget = accumulator_budget(t);
  const int64_t k_vectors = a.output[1] / t.vector_width;
  const bool in_tiles = a.pooled && a.pool_x > 0;
  const int64_t per_column = in_tiles ? a.pool_x * a.pool_y : 1;
  const int64_t width = in_tiles ? a.output[3] / a.pool_x : a.output[3];
  double best = -1;
  for (int tk = 1; tk <= 4; ++tk) {
    if (k_vectors % tk) continue;
    for (int tx = 1; tx * tk * per_column <= budget && tx <= width; ++tx) {
      const double waste = static_cast<double>(ceil_div(width, tx) * tx) / width;
      const int accumulators = static_cast<int>(tx * tk * per_column);
      // Fewer operand loads per FMA break ties.
      const double score = accumulators / waste - 0.01 * (tk + tx * per_column);
      if (score > best) best = score, s.tile_k = tk, s.tile_x = tx;
    }
  }
  return s;
}

// Columns vectorized, `tile_k` channels per tile (few output channels).
Schedule columns_tile(const AnchorShape& a, const TargetTraits& t) {
  Schedule s{.kind = ScheduleTemplate::ConvColumns, .vector_width = t.vector_width};
  const int budget = accumulator_budget(t);
  const bool in_tiles = a.pooled && a.pool_x > 0;
  const int64_t per_vector = in_tiles ? a.pool_x * a.pool_y : 1;
  const int64_t width = in_tiles ? a.output[3] / a.pool_x : a.output[3];
  const int64_t k = a.output[1];
  double best = -1;
  for (int tk = 1; tk <= budget && tk <= k; ++tk) {
    if (k % tk) continue;
    for (int tx = 1; tx * tk * per_vector <= budget; ++tx) {
      const int64_t columns = tx * t.vector_width;
      if (columns > width && tx > 1) break;
      const double waste =
          static_cast<double>(ceil_div(width, columns) * columns) / std::max<int64_t>(width, 1);
      const double score = tx * tk * per_vector / waste;
      if (score > best) best = score, s.tile_k = tk, s.tile_x = tx;
    }
  }
  return s;
}

}  // namespace

TargetTraits target_traits(const std::string& target) {
  auto has = [&](const char* feature) { return target.find(feature) != std::string::npos; };
  if (has("avx512")) return {.vector_width = 16, .registers = 32};
  if (has("arm-64")) return {.vector_width = 4, .registers = 32};
  if (has("avx")) return {.vector_width = 8, .registers = 16};
  return {.vector_width = 4, .registers = 16};
}

Schedule choose_schedule(const KernelDesc& kernel, const std::string& target,
                         const std::string& option) {
  const TargetTraits t = target_traits(target);
  if (!option.empty()) {
    for (auto [name, plugin] :
         {std::pair{"auto:adams2019", "Adams2019"},
          std::pair{"auto:mullapudi2016", "Mullapudi2016"}, std::pair{"auto:li2018", "Li2018"}})
      if (option == name)
        return {.kind = ScheduleTemplate::Auto,
                .vector_width = t.vector_width,
                .autoscheduler = plugin};
    throw std::invalid_argument(fmt::format(
        "unknown schedule '{}': use auto:adams2019, auto:mullapudi2016 or auto:li2018, or "
        "leave it out for cnnc's own schedules",
        option));
  }
  const AnchorShape& a = kernel.anchor;
  const int v = t.vector_width;
  switch (a.family) {
    case AnchorShape::Family::Conv2d: {
      Schedule s = a.output[1] % v == 0 ? channels_tile(a, t) : columns_tile(a, t);
      if (a.pooled && a.pool_x == 0) s.producer = ProducerPlacement::Root;
      return s;
    }
    case AnchorShape::Family::Depthwise:
      return {.kind = ScheduleTemplate::Depthwise,
              .vector_width = v,
              .tile_x = a.output[3] >= 4 * v   ? 4
                        : a.output[3] >= 2 * v ? 2
                                               : 1};
    case AnchorShape::Family::Dense:
      if (a.output[1] % v == 0 && !a.pooled) {
        const int64_t vectors = a.output[1] / v;
        const int tk = vectors % 4 == 0 ? 4 : vectors % 2 == 0 ? 2 : 1;
        const int tn = static_cast<int>(std::min<int64_t>(a.output[0], (t.registers - 4) / tk));
        return {.kind = ScheduleTemplate::Dense,
                .vector_width = v,
                .tile_k = tk,
                .tile_x = std::max(tn, 1)};
      }
      break;
    case AnchorShape::Family::None:
      break;
  }
  return {.kind = ScheduleTemplate::Generic, .vector_width = v};
}

}  // namespace cnnc::backends::halide
