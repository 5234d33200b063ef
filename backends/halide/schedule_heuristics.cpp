#include "backends/halide/schedule_heuristics.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace cnnc::backends::halide {

namespace {

int64_t ceil_div(int64_t a, int64_t b) {
  return (a + b - 1) / b;
}

// Accumulator registers a tile may use: the rest hold weight vectors and
// broadcast inputs. 20 of 32 on AVX-512 and arm-64 (more spilled). 8 of 16
// on AVX2: measured on an AMD EPYC (Zen), the 12 of Halide's conv_layer
// app ran layers (d), (e) and (f) 1.4-2x slower than 8 (1x8, 2x4 and 1x7
// tiles), and 10 was already slower than 8.
int accumulator_budget(const TargetTraits& t) {
  return t.registers >= 32 ? 20 : 8;
}

// Register tile (vectors of channels x columns) for a convolution whose
// output channels are a multiple of the vector width. Each pooled output
// column needs pool_x * pool_y accumulators. Measured on AVX-512 (layers
// (d)-(j) of bench/cases.json): columns that divide the width exactly
// matter more than the last few accumulators, since a partial tile is
// recomputed; and the tile is stored as rows of tile_x columns, so tiles
// narrower than 7 columns pay for short stores.
Schedule channels_tile(const AnchorShape& a, const TargetTraits& t) {
  constexpr int kMaxColumns = 16;  // stored as one vector per channel
  Schedule s{.kind = ScheduleTemplate::ConvChannels, .vector_width = t.vector_width};
  const int budget = accumulator_budget(t);
  const int64_t k_vectors = a.output[1] / t.vector_width;
  const bool in_tiles = a.pooled && a.pool_x > 0;
  const int64_t per_column = in_tiles ? a.pool_x * a.pool_y : 1;
  const int64_t width = in_tiles ? a.output[3] / a.pool_x : a.output[3];
  // Measured on AVX2 (8 accumulators): 2x4 tiles matched 1x7 and 1x8 ones
  // on layers (d)-(f), so only rows under 4 columns count as short there;
  // and on 7 and 14 columns, 2x4 beat the exact 1x7 by 12-19% (layers (f),
  // (g), ResNet-50's 7x7 1x1 layers): the loads per FMA outweigh a partly
  // recomputed last tile.
  const bool loads_bound = t.registers < 32;
  const int short_row = loads_bound ? 4 : 7;
  double best = -1;
  for (int tk = 1; tk <= 4; ++tk) {
    if (k_vectors % tk) continue;
    for (int tx = 1; tx * tk * per_column <= budget && tx <= width && tx <= kMaxColumns; ++tx) {
      const double waste = static_cast<double>(ceil_div(width, tx) * tx) / width;
      const double short_rows = tx * per_column >= short_row ? 1.0 : 0.8;
      // With 8 accumulators, a 1x8 tile issues 9 loads per 8 FMAs, more
      // than the load ports keep up with (layer (c) on AVX2: 2x4 1.37x
      // faster than 1x8); 2x4 and 4x2 issue 6.
      const double loads =
          loads_bound ? std::min(1.0, static_cast<double>(tk * tx) / (tk + tx)) : 1.0;
      const double score =
          tx * tk * per_column * short_rows * loads / std::pow(waste, loads_bound ? 1 : 4);
      // Ties go to the wider tile (fewer weight loads per FMA, longer stores).
      if (score > best + 1e-9 || (score > best - 1e-9 && tx > s.tile_x))
        best = std::max(best, score), s.tile_k = tk, s.tile_x = tx;
    }
  }
  return s;
}

// Iterations of a parallel loop per thread-pool task (at most `cap`): about
// 2^20 MACs a task, but at least 16 tasks. Each task claim takes the pool's
// lock, which costs more than a small layer's row (LeNet's layers at batch
// 64 spent a quarter of their time there with one row per task).
int iterations_per_task(int64_t iteration_macs, int64_t iterations, int64_t cap) {
  constexpr int64_t kTaskMacs = int64_t{1} << 20;
  constexpr int64_t kMinTasks = 16;
  const int64_t wanted = ceil_div(kTaskMacs, std::max<int64_t>(1, iteration_macs));
  return static_cast<int>(std::clamp<int64_t>(std::min(wanted, iterations / kMinTasks), 1, cap));
}

// Register tile of a 1x1 convolution over the flattened H*W axis: tile_k
// output channels (broadcast weights) x tile_x vectors of pixels (vector
// loads). Few channels per tile would reload the pixels too often, few
// pixel vectors the weights; a tile that does not divide H*W recomputes
// part of its last one.
Schedule pointwise_tile(const AnchorShape& a, const TargetTraits& t, int64_t batch) {
  Schedule s{.kind = ScheduleTemplate::ConvPointwise, .vector_width = t.vector_width};
  const int budget = accumulator_budget(t);
  const int64_t pixels = a.output[2] * a.output[3], k = a.output[1];
  double best = -1;
  for (int tk = 1; tk <= budget && tk <= k; ++tk) {
    for (int tx = 1; tx * tk <= budget && tx * t.vector_width <= pixels; ++tx) {
      const int64_t columns = tx * t.vector_width;
      const double waste = static_cast<double>(ceil_div(pixels, columns) * columns) / pixels *
                           static_cast<double>(ceil_div(k, tk) * tk) / k;
      // FMAs per load (tk * tx of them for tk broadcasts and tx vector loads).
      const double reuse = static_cast<double>(tk * tx) / (tk + tx);
      const double score = reuse / std::pow(waste, 4);
      if (score > best) best = score, s.tile_k = tk, s.tile_x = tx;
    }
  }
  const int64_t tile_macs = s.tile_k * s.tile_x * t.vector_width * a.input[1];
  const int64_t tiles = ceil_div(pixels, s.tile_x * t.vector_width) * ceil_div(k, s.tile_k) * batch;
  s.task_rows = iterations_per_task(tile_macs, tiles, 256);
  return s;
}

// Rows of a convolution's parallel loop per task.
int rows_per_task(const AnchorShape& a, int64_t batch) {
  int64_t taps = 1;
  for (size_t d = 1; d < a.weight.rank(); ++d) taps *= a.weight[d];
  return iterations_per_task(a.output[1] * a.output[3] * taps, batch * a.output[2], 64);
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
      // Measured on ResNet-50's 1x1 layers (AVX-512): the pixel-vectorized
      // tile wins by about a third where the layer expands channels on
      // large images (the bottlenecks' last 1x1 in stages 1 and 2) and
      // loses where it reduces them or the image is small, since each tile
      // then streams the input's channels from beyond L2 for few outputs.
      if (a.pointwise && a.output[1] >= a.input[1] && a.output[2] * a.output[3] >= 49 * v)
        return pointwise_tile(a, t, kernel.batch);
      Schedule s = a.output[1] % v == 0 ? channels_tile(a, t) : columns_tile(a, t);
      if (a.pooled && a.pool_x == 0) s.producer = ProducerPlacement::Root;
      s.task_rows = rows_per_task(a, kernel.batch);
      // Weights well beyond L2 over an image that fits in it (ResNet's last
      // stage): walking rows inside each channel tile reads the weights
      // once instead of once per row. Measured on AVX-512: layer (g), 9.4 MB
      // of weights, 1.64 -> 1.34 ms; (f), 2.4 MB, was slower (1.2 -> 1.6 ms);
      // ResNet-50's 4 MB 1x1 layers gain.
      const int64_t weight_bytes = a.weight.elements() * 4;
      const int64_t image_bytes = a.input[1] * a.input[2] * a.input[3] * 4;
      if (s.kind == ScheduleTemplate::ConvChannels && weight_bytes >= (int64_t{4} << 20) &&
          image_bytes <= (int64_t{512} << 10) && a.output[1] / (v * s.tile_k) >= 4) {
        s.channels_outer = true;
        s.task_rows = 1;
      }
      // A 1x1 convolution over channel blocks reads them where they are:
      // staging would only copy them (unpadded). Measured on AVX2, layer
      // (h): 1.45x faster, the reduction split at the block so the reads'
      // addresses are plain offsets.
      if (s.kind == ScheduleTemplate::ConvChannels && a.weight[2] == 1 && a.weight[3] == 1 &&
          !kernel.arguments.empty() && kernel.arguments[0].layout_block == v)
        s.stage_input = false;
      return s;
    }
    case AnchorShape::Family::Depthwise:
      if (!kernel.arguments.empty() && kernel.arguments[0].layout_block == v && !a.pooled) {
        // Channel-blocked: one vector of channels per column, so a tile is
        // columns; one that divides the width, 4 to 8 if there is one.
        int columns = static_cast<int>(std::min<int64_t>(8, a.output[3]));
        for (int c = columns; c >= 4; --c)
          if (a.output[3] % c == 0) {
            columns = c;
            break;
          }
        // A task is a chunk of rows of one channel block.
        const int64_t row_macs = v * a.output[3] * a.weight[2] * a.weight[3];
        const int64_t rows = kernel.batch * a.output[2] * (a.output[1] / v);
        return {.kind = ScheduleTemplate::Depthwise,
                .vector_width = v,
                .tile_x = columns,
                .task_rows = iterations_per_task(row_macs, rows, a.output[2])};
      }
      return {.kind = ScheduleTemplate::Depthwise,
              .vector_width = v,
              .tile_x = a.output[3] >= 4 * v   ? 4
                        : a.output[3] >= 2 * v ? 2
                                               : 1,
              .task_rows = rows_per_task(a, kernel.batch)};
    case AnchorShape::Family::Dense:
      // Units that are not a multiple of the vector width (LeNet's 120 and
      // 84) read zero-filled weight blocks; the last tile of units shifts
      // inwards and recomputes a few, which beats scalar code by far.
      // Fewer units than a vector (a classifier's 10 on AVX-512): half
      // vectors, rather than generic code that gathers the weights.
      if (const int dv = a.output[1] >= v ? v : (a.output[1] >= 8 && v > 8 ? 8 : 0); dv) {
        int tk = 1;
        double best = 0;
        for (int c : {1, 2, 4}) {
          if (c * dv > a.output[1]) break;
          const double waste =
              static_cast<double>(ceil_div(a.output[1], c * dv) * c * dv) / a.output[1];
          if (c / (waste * waste) > best) best = c / (waste * waste), tk = c;
        }
        const int tn = static_cast<int>(std::min<int64_t>(a.output[0], (t.registers - 4) / tk));
        return {.kind = ScheduleTemplate::Dense,
                .vector_width = dv,
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
