#include "backends/halide/schedule_templates.h"

#include <algorithm>

namespace cnnc::backends::halide {

namespace {

namespace hl = Halide;

// The widest vector (a power of two up to `width`) that fits `extent`.
int fitting_vector(int width, int64_t extent) {
  int v = width;
  while (v > 1 && v > extent) v /= 2;
  return v;
}

int64_t extent_of(const ir::Shape& s, size_t halide_dim) {
  return s[s.rank() - 1 - halide_dim];
}

// Below this many outputs a plain stage takes microseconds, less than
// handing its rows to the thread pool costs (a lock per task).
constexpr int64_t kParallelElements = 16384;

// Vectorize the innermost dim, run the two outermost in parallel.
void schedule_plain(hl::Func f, const ir::Shape& shape, int vector_width, bool parallel) {
  auto v = f.args();
  const size_t rank = v.size();
  if (rank == 0) return;
  const int vx = fitting_vector(vector_width, extent_of(shape, 0));
  if (vx > 1) f.vectorize(v[0], vx);
  if (!parallel || rank < 2 || shape.elements() < kParallelElements) return;
  if (rank >= 3) {
    hl::Var t;
    f.fuse(v[rank - 2], v[rank - 1], t).parallel(t);
  } else if (extent_of(shape, 1) > 1) {
    f.parallel(v[1]);
  }
}

// schedule_plain for a Func with update stages (a materialized accumulator).
void schedule_plain_with_updates(hl::Func f, const ir::Shape& shape, int vector_width) {
  schedule_plain(f, shape, vector_width, true);
  auto v = f.args();
  const size_t rank = v.size();
  const int vx = fitting_vector(vector_width, extent_of(shape, 0));
  for (int u = 0; u < f.num_update_definitions(); ++u) {
    auto stage = f.update(u);
    // An update may not recompute (ShiftInwards) nor run past its inputs (RoundUp).
    if (vx > 1) stage.vectorize(v[0], vx, hl::TailStrategy::GuardWithIf);
    if (shape.elements() < kParallelElements) continue;
    if (rank >= 3) {
      hl::Var t;
      stage.fuse(v[rank - 2], v[rank - 1], t).parallel(t);
    } else if (rank == 2 && extent_of(shape, 1) > 1) {
      stage.parallel(v[1]);
    }
  }
}

// A materialized accumulator: pure and update stages vectorized along x.
void schedule_accumulator_at_root(hl::Func acc, const ir::Shape& shape, int vector_width) {
  acc.compute_root();
  schedule_plain_with_updates(acc, shape, vector_width);
}

// Runs `loop` on the thread pool, `task_rows` iterations per task: each
// task claim takes the pool's lock, so tiny rows are grouped.
void parallel_tasks(hl::Func f, const hl::Var& loop, const Schedule& s) {
  if (!s.parallel) return;
  if (s.task_rows <= 1) {
    f.parallel(loop);
    return;
  }
  // The inner loop keeps the name, so stages computed at `loop` stay per row.
  hl::Var task("task");
  f.split(loop, task, loop, s.task_rows, hl::TailStrategy::GuardWithIf).parallel(task);
}

struct ConvTile {
  hl::Func tiled;              // the Func whose loops are tiled: output or the pooling's input
  int pool_y = 1, pool_x = 1;  // accumulator rows and columns per tiled point
};

void stage_padded_input(const Anchor& a, const Schedule& s, hl::Func tiled, const hl::Var& at,
                        int64_t width) {
  if (!a.padded_input.defined() || !s.stage_input) return;
  const int vx = fitting_vector(s.vector_width, width);
  hl::Func padded = a.padded_input;  // a handle: scheduling it schedules the anchor's
  padded.compute_at(tiled, at);
  if (vx > 1) padded.vectorize(padded.args()[0], vx);
}

void conv_channels(const KernelDesc& k, const Anchor& a, ConvTile tile) {
  const Schedule& s = k.schedule;
  const int v = s.vector_width;
  auto args = tile.tiled.args();
  hl::Var x = args[0], y = args[1], c = args[2], n = args[3];
  hl::Var xo("xo"), xi("xi"), co("co"), ci("ci"), t("t");
  // Columns innermost in the store: the register tile is transposed once
  // into rows of the NCHW output instead of scattered a float at a time.
  tile.tiled.split(c, co, ci, v * s.tile_k)
      .split(x, xo, xi, s.tile_x)
      .reorder(xi, ci, xo, co, y, n)
      .vectorize(xi)
      .unroll(ci)
      .fuse(y, n, t);
  parallel_tasks(tile.tiled, t, s);

  hl::Func acc = a.accumulator;
  auto av = acc.args();
  hl::RDom r = a.reduction;
  // Channels innermost in the tile too, so each accumulator is one register.
  acc.compute_at(tile.tiled, xo)
      .reorder_storage(av[2], av[0], av[1], av[3])
      .vectorize(av[2], v)
      .unroll(av[2])
      .unroll(av[0]);
  if (tile.pool_y > 1) acc.unroll(av[1]);
  auto update = acc.update();
  update.reorder({av[2], av[0], av[1], r[2], r[1], r[0], av[3]})
      .vectorize(av[2], v)
      .unroll(av[2])
      .unroll(av[0]);
  if (tile.pool_y > 1) update.unroll(av[1]);
  if (k.anchor.weight[3] <= 3) update.unroll(r[2]);
  stage_padded_input(a, s, tile.tiled, t, k.anchor.input[3]);
}

void conv_columns(const KernelDesc& k, const Anchor& a, ConvTile tile, int64_t tiled_width) {
  const Schedule& s = k.schedule;
  const int v = fitting_vector(s.vector_width, tiled_width);
  auto args = tile.tiled.args();
  hl::Var x = args[0], y = args[1], c = args[2], n = args[3];
  hl::Var xo("xo"), xi("xi"), co("co"), ci("ci"), t("t");
  // A whole number of vectors, so the accumulator's update never rounds up.
  const int columns = v * static_cast<int>(std::min<int64_t>(s.tile_x, tiled_width / v));
  tile.tiled.split(x, xo, xi, columns)
      .split(c, co, ci, s.tile_k)
      .reorder(xi, ci, xo, co, y, n)
      .unroll(ci)
      .fuse(y, n, t);
  if (v > 1) tile.tiled.vectorize(xi, v);
  tile.tiled.unroll(xi);
  parallel_tasks(tile.tiled, t, s);

  hl::Func acc = a.accumulator;
  auto av = acc.args();
  hl::RDom r = a.reduction;
  acc.compute_at(tile.tiled, xo).unroll(av[2]);
  if (v > 1) acc.vectorize(av[0], v);
  acc.unroll(av[0]);
  if (tile.pool_y > 1) acc.unroll(av[1]);
  auto update = acc.update();
  update.reorder({av[0], av[2], av[1], r[2], r[1], r[0], av[3]}).unroll(av[2]);
  if (v > 1) update.vectorize(av[0], v);
  update.unroll(av[0]);
  if (tile.pool_y > 1) update.unroll(av[1]);
  stage_padded_input(a, s, tile.tiled, t, k.anchor.input[3]);
}

// Output (pixel, channel, n) of a 1x1 convolution on (N, C, H*W) views.
// Channel groups innermost: a column of pixels over every input channel
// (tile_x vectors x C) stays in L2 while all output channels use it.
void conv_pointwise(const KernelDesc& k, const Anchor& a, hl::Func out) {
  const Schedule& s = k.schedule;
  const int v = s.vector_width;
  auto args = out.args();
  hl::Var p = args[0], c = args[1], n = args[2];
  hl::Var po("po"), pi("pi"), co("co"), ci("ci"), tiles("tiles"), t("t");
  out.split(p, po, pi, v * s.tile_x)
      .split(c, co, ci, s.tile_k)
      .reorder(pi, ci, co, po, n)
      .vectorize(pi, v)
      .unroll(pi)
      .unroll(ci)
      .fuse(co, po, tiles)
      .fuse(tiles, n, t);
  parallel_tasks(out, t, s);
  hl::Func acc = a.accumulator;
  auto av = acc.args();
  hl::RDom r = a.reduction;
  acc.compute_at(out, t).vectorize(av[0], v).unroll(av[0]).unroll(av[1]);
  acc.update()
      .reorder({av[0], av[1], r[1], r[0], av[2]})
      .vectorize(av[0], v)
      .unroll(av[0])
      .unroll(av[1]);
}

void depthwise(const KernelDesc& k, const Anchor& a, hl::Func out) {
  const Schedule& s = k.schedule;
  const int v = fitting_vector(s.vector_width, k.output_shape[3]);
  auto args = out.args();
  hl::Var x = args[0], y = args[1], c = args[2], n = args[3];
  hl::Var xo("xo"), xi("xi"), t("t");
  const int columns = v * static_cast<int>(std::min<int64_t>(s.tile_x, k.output_shape[3] / v));
  out.split(x, xo, xi, columns).reorder(xi, xo, y, c, n).fuse(c, n, t);
  if (v > 1) out.vectorize(xi, v);
  out.unroll(xi);
  parallel_tasks(out, t, s);
  hl::Func acc = a.accumulator;
  auto av = acc.args();
  hl::RDom r = a.reduction;
  acc.compute_at(out, xo);
  if (v > 1) acc.vectorize(av[0], v);
  acc.unroll(av[0]);
  auto update = acc.update();
  update.reorder({av[0], r[2], r[1], r[0], av[1], av[2], av[3]});
  if (v > 1) update.vectorize(av[0], v);
  update.unroll(av[0]);
  if (k.anchor.weight[3] <= 5) update.unroll(r[2]);
  stage_padded_input(a, s, out, t, k.anchor.input[3]);
}

void dense(const KernelDesc& k, const Anchor& a, hl::Func out) {
  const Schedule& s = k.schedule;
  const int v = s.vector_width;
  auto args = out.args();  // (unit, n)
  hl::Var u = args[0], n = args[1];
  hl::Var uo("uo"), ui("ui"), no("no"), ni("ni"), t("t");
  out.split(u, uo, ui, v * s.tile_k)
      .split(n, no, ni, s.tile_x)
      .reorder(ui, ni, no, uo)
      .vectorize(ui, v)
      .unroll(ui)
      .unroll(ni)
      .fuse(no, uo, t);
  if (s.parallel) out.parallel(t);
  hl::Func acc = a.accumulator;
  auto av = acc.args();
  acc.compute_at(out, t).vectorize(av[0], v).unroll(av[0]).unroll(av[1]);
  acc.update()
      .reorder({av[0], av[1], a.reduction[0]})
      .vectorize(av[0], v)
      .unroll(av[0])
      .unroll(av[1]);
}

}  // namespace

void apply_schedule(const KernelDesc& k, KernelFuncs& f, int /*threads_hint*/) {
  const Schedule& s = k.schedule;
  for (auto& root : f.roots) root.compute_root();
  const bool has_anchor = f.anchor.has_value();
  switch (has_anchor ? s.kind : ScheduleTemplate::Generic) {
    case ScheduleTemplate::ConvChannels:
    case ScheduleTemplate::ConvColumns: {
      ConvTile tile{.tiled = f.output};
      int64_t width = k.output_shape[3];
      if (f.before_pool.defined()) {
        if (s.producer == ProducerPlacement::Root) {
          f.before_pool.compute_root();
          tile.tiled = f.before_pool;
          width = k.anchor.output[3];
          schedule_plain(f.output, k.output_shape, s.vector_width, s.parallel);
        } else {
          tile.pool_y = static_cast<int>(k.anchor.pool_y);
          tile.pool_x = static_cast<int>(k.anchor.pool_x);
        }
      }
      if (s.kind == ScheduleTemplate::ConvChannels)
        conv_channels(k, *f.anchor, tile);
      else
        conv_columns(k, *f.anchor, tile, width);
      return;
    }
    case ScheduleTemplate::ConvPointwise:
      conv_pointwise(k, *f.anchor, f.output);
      return;
    case ScheduleTemplate::Depthwise:
      if (f.before_pool.defined()) {
        // The pooling's windows would recompute the convolution: materialize it.
        f.before_pool.compute_root();
        schedule_accumulator_at_root(f.anchor->accumulator, k.anchor.output, s.vector_width);
        schedule_plain(f.output, k.output_shape, s.vector_width, s.parallel);
        return;
      }
      depthwise(k, *f.anchor, f.output);
      return;
    case ScheduleTemplate::Dense:
      dense(k, *f.anchor, f.output);
      return;
    case ScheduleTemplate::Generic:
    case ScheduleTemplate::Auto:
      break;
  }
  if (has_anchor) {
    if (f.before_pool.defined()) f.before_pool.compute_root();
    schedule_accumulator_at_root(f.anchor->accumulator,
                                 k.anchor.output.rank() ? k.anchor.output : k.output_shape,
                                 s.vector_width);
  }
  schedule_plain(f.output, k.output_shape, s.vector_width, s.parallel);
}

}  // namespace cnnc::backends::halide
