// A kernel's schedule as data: the few parameters the Halide backend's
// schedule templates take, chosen by a heuristic from shapes and the target
// (backends/halide/schedule_heuristics.h) and, later, by the autotuner. A
// schedule is part of its kernel's cache key, so it serializes to JSON
// with a stable key order.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace cnnc::backends::halide {

// Which schedule template a kernel uses.
enum class ScheduleTemplate {
  // Direct convolution vectorized over output channels: a register tile of
  // tile_k vectors of channels x tile_x output columns, the reduction inside,
  // weights pre-blocked as (K/V, C, R, S, V) at load.
  ConvChannels,
  // Direct convolution vectorized over output columns (few output channels):
  // a register tile of tile_x vectors of columns x tile_k channels.
  ConvColumns,
  // A 1x1 convolution with stride 1 and no padding as a matrix product over
  // the flattened H*W axis (contiguous in NCHW): a register tile of tile_k
  // output channels x tile_x vectors of pixels, no partial rows, plain
  // vector loads and stores. The kernel's 4-D data buffers are passed as
  // (N, C, H*W).
  ConvPointwise,
  // Depthwise convolution (one channel per group), vectorized over columns.
  Depthwise,
  // Dense layer vectorized over output units, weights blocked as (U/V, F, V).
  Dense,
  // Everything else: the output vectorized along its innermost axis, its
  // outer axes run in parallel, internal stages at the root.
  Generic,
  // Halide's own autoschedulers, for comparison (auto:adams2019, ...).
  Auto,
};

// How fused pooling meets the convolution feeding it.
enum class ProducerPlacement {
  Tile,  // the convolution is computed inside each pooled tile (non-overlapping windows)
  Root,  // the convolution's output is computed whole inside the kernel first
};

struct Schedule {
  ScheduleTemplate kind = ScheduleTemplate::Generic;
  int vector_width = 8;     // floats per vector register
  int tile_k = 1;           // output-channel (or unit) vectors, or channels, per register tile
  int tile_x = 1;           // output columns (ConvChannels) or column vectors per register tile
  bool parallel = true;     // run the outermost tile loops on Halide's thread pool
  int task_rows = 1;        // iterations of the parallel loop per thread-pool task
  bool stage_input = true;  // copy the zero-padded input rows once per output row
  // ConvChannels: the parallel loop runs over output-channel tiles with the
  // rows inside, and the padded input is staged once per image. For small
  // images with large weights: each task streams only its channels'
  // weights, which stay in L2 across the rows.
  bool channels_outer = false;
  ProducerPlacement producer = ProducerPlacement::Tile;
  std::string autoscheduler;  // for Auto: "Adams2019", "Mullapudi2016" or "Li2018"

  bool operator==(const Schedule&) const = default;
};

std::string to_string(ScheduleTemplate kind);
nlohmann::json to_json(const Schedule& schedule);
// Throws std::invalid_argument naming the field for a malformed schedule.
Schedule schedule_from_json(const nlohmann::json& json);

}  // namespace cnnc::backends::halide
