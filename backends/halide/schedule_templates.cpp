#include "backends/halide/schedule_templates.h"

#include <algorithm>

#include "backends/halide/nchw.h"

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

// Runs `loop` (`rows` iterations of `row_elements` outputs each) on the
// thread pool, rows grouped so that a task computes about
// kParallelElements outputs: claiming a task takes the pool's lock, which
// cost more than copying a short row (a reorder spent half its time there).
void parallel_rows(hl::Func f, const hl::Var& loop, int64_t rows, int64_t row_elements) {
  const int64_t per_task = std::clamp<int64_t>(
      kParallelElements / std::max<int64_t>(1, row_elements), 1, std::max<int64_t>(1, rows / 16));
  if (per_task <= 1) {
    f.parallel(loop);
    return;
  }
  hl::Var task("task");
  f.split(loop, task, loop, static_cast<int>(per_task), hl::TailStrategy::GuardWithIf)
      .parallel(task);
}

// Vectorize the innermost dim, run the outer ones (two, or every one but
// a blocked layout's row of channel vectors) in parallel.
void schedule_plain(hl::Func f, const ir::Shape& shape, int vector_width, bool parallel) {
  auto v = f.args();
  const size_t rank = v.size();
  if (rank == 0) return;
  const int vx = fitting_vector(vector_width, extent_of(shape, 0));
  if (vx > 1) f.vectorize(v[0], vx);
  if (!parallel || rank < 2 || shape.elements() < kParallelElements) return;
  if (rank == 5) {  // channel-blocked (n, c/b, h, w, b): rows of channel vectors
    hl::Var t;
    f.fuse(v[2], v[3], t).fuse(t, v[4], t);
    const int64_t rows = shape[0] * shape[1] * shape[2];
    parallel_rows(f, t, rows, shape.elements() / rows);
  } else if (rank >= 3) {
    hl::Var t;
    f.fuse(v[rank - 2], v[rank - 1], t);
    const int64_t rows = extent_of(shape, rank - 2) * extent_of(shape, rank - 1);
    parallel_rows(f, t, rows, shape.elements() / rows);
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
  // A 4-D `tiled` stored channels innermost (the input of a pooling that
  // writes a blocked output): its tiles store channel vectors.
  bool channels_innermost = false;
};

// The zero-padded input copied once per `at` iteration. A channel-blocked
// input is copied channels innermost, whole vectors at a time, which is
// also the order the taps read it in. Its columns are C + b floats apart,
// not C: with C a multiple of 64 (256 floats, 1 KiB), the columns a
// stride-2 tile reads fell into two L1 sets and evicted each other (ResNet's
// 3x3 stride-2 layers ran at half the speed of stride 1).
void stage_padded_input(const KernelDesc& k, const Anchor& a, hl::Func tiled, const hl::Var& at) {
  const Schedule& s = k.schedule;
  if (!a.padded_input.defined() || !s.stage_input) return;
  hl::Func padded = a.padded_input;  // a handle: scheduling it schedules the anchor's
  padded.compute_at(tiled, at);
  auto pv = padded.args();  // x, y, c, n
  if (const int b = k.arguments.at(0).layout_block) {
    padded.reorder_storage(pv[2], pv[0], pv[1], pv[3]).reorder(pv[2], pv[0], pv[1], pv[3]);
    padded.vectorize(pv[2], b);
    padded.bound_storage(pv[2], to_int(k.anchor.input[1] + b));
    return;
  }
  const int vx = fitting_vector(s.vector_width, k.anchor.input[3]);
  if (vx > 1) padded.vectorize(pv[0], vx);
}

// The accumulator of a ConvChannels tile: channels innermost, so each
// accumulator is one register, computed at the tile's column loop.
void channel_accumulator(const KernelDesc& k, const Anchor& a, const ConvTile& tile,
                         const hl::Var& xo) {
  const int v = k.schedule.vector_width;
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
  const int in_block = k.arguments.at(0).layout_block;
  if (in_block && !k.schedule.stage_input && k.anchor.input[1] % in_block == 0) {
    hl::RVar rco("rco"), rci("rci");
    update.split(r[0], rco, rci, in_block)
        .reorder({av[2], av[0], av[1], rci, r[2], r[1], rco, av[3]})
        .unroll(rci);
  } else {
    update.reorder({av[2], av[0], av[1], r[2], r[1], r[0], av[3]});
  }
  update.vectorize(av[2], v).unroll(av[2]).unroll(av[0]);
  if (tile.pool_y > 1) update.unroll(av[1]);
  if (k.anchor.weight[3] <= 3) update.unroll(r[2]);
}

void conv_channels(const KernelDesc& k, const Anchor& a, ConvTile tile) {
  const Schedule& s = k.schedule;
  auto args = tile.tiled.args();
  hl::Var xo("xo"), xi("xi"), co("co"), ci("ci"), t("t");
  hl::Var y, n;  // the row and batch loops after tiling
  if (args.size() == 5) {
    // Channel-blocked output (n, c/b, h, w, b): each channel vector of the
    // register tile is stored as it is.
    hl::Var c_in = args[0], x = args[1], cb = args[3];
    y = args[2], n = args[4];
    tile.tiled.split(cb, co, ci, s.tile_k)
        .split(x, xo, xi, s.tile_x)
        .reorder(c_in, xi, ci, xo, co, y, n)
        .vectorize(c_in, k.output_block)
        .unroll(xi)
        .unroll(ci);
  } else if (tile.channels_innermost) {
    hl::Var x = args[0], c = args[2];
    y = args[1], n = args[3];
    tile.tiled.reorder_storage(c, x, y, n)
        .split(c, co, ci, s.vector_width * s.tile_k)
        .split(x, xo, xi, s.tile_x)
        .reorder(ci, xi, xo, co, y, n)
        .vectorize(ci, s.vector_width)
        .unroll(ci)
        .unroll(xi);
  } else {
    hl::Var x = args[0], c = args[2];
    y = args[1], n = args[3];
    // Columns innermost in the store: the register tile is transposed once
    // into rows of the NCHW output instead of scattered a float at a time.
    tile.tiled.split(c, co, ci, s.vector_width * s.tile_k)
        .split(x, xo, xi, s.tile_x)
        .reorder(xi, ci, xo, co, y, n)
        .vectorize(xi)
        .unroll(ci);
  }
  channel_accumulator(k, a, tile, xo);
  if (s.channels_outer) {
    tile.tiled.reorder(xo, y, co, n);
    if (s.parallel) tile.tiled.parallel(co);
    stage_padded_input(k, a, tile.tiled, n);
    return;
  }
  tile.tiled.fuse(y, n, t);
  parallel_tasks(tile.tiled, t, s);
  stage_padded_input(k, a, tile.tiled, t);
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
  stage_padded_input(k, a, tile.tiled, t);
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

// Depthwise on channel-blocked input and output: vectors of channels, each
// tap one dense vector load of the staged input rows, tile_x columns per
// register tile.
void depthwise_blocked(const KernelDesc& k, const Anchor& a, hl::Func out) {
  const Schedule& s = k.schedule;
  const int b = k.output_block;
  auto args = out.args();  // c%b, x, y, c/b, n
  hl::Var c_in = args[0], x = args[1], y = args[2], cb = args[3], n = args[4];
  hl::Var xo("xo"), xi("xi"), t("t");
  const int columns = static_cast<int>(std::min<int64_t>(s.tile_x, k.output_shape[3]));
  // Rows in chunks of task_rows, a task each; inside a chunk the staged
  // input slides down: each row copies only the input rows it adds.
  hl::Var yo("yo"), yi("yi");
  out.split(x, xo, xi, columns)
      .split(y, yo, yi, s.task_rows, hl::TailStrategy::GuardWithIf)
      .reorder(c_in, xi, xo, yi, yo, cb, n)
      .vectorize(c_in, b)
      .unroll(xi)
      .fuse(yo, cb, t)
      .fuse(t, n, t);
  if (s.parallel) out.parallel(t);
  hl::Func acc = a.accumulator;
  auto av = acc.args();
  hl::RDom r = a.reduction;
  acc.compute_at(out, xo)
      .reorder_storage(av[2], av[0], av[1], av[3])
      .reorder(av[2], av[0], av[1], av[3])
      .vectorize(av[2], b)
      .unroll(av[0]);
  acc.update()
      .reorder({av[2], av[0], r[2], r[1], r[0], av[1], av[3]})
      .vectorize(av[2], b)
      .unroll(av[0])
      .unroll(r[2])
      .unroll(r[1]);
  if (a.padded_input.defined() && s.stage_input) {
    hl::Func padded = a.padded_input;
    auto pv = padded.args();  // x, y, c, n
    padded.store_at(out, t)
        .compute_at(out, yi)
        .reorder_storage(pv[2], pv[0], pv[1], pv[3])
        .reorder(pv[2], pv[0], pv[1], pv[3])
        .vectorize(pv[2], b);
  }
}

void depthwise(const KernelDesc& k, const Anchor& a, hl::Func out) {
  if (k.output_block) return depthwise_blocked(k, a, out);
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
  stage_padded_input(k, a, out, t);
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

// A reorder between NCHW and channel-blocked (b channels): tiles of b
// columns x b channels, the source read into the tile as vectors along its
// contiguous axis and the tile stored as vectors along the destination's.
void reorder_layout(const KernelDesc& k, KernelFuncs& f) {
  const bool to_blocked = k.output_block != 0;
  const int b = to_blocked ? k.output_block : k.arguments.at(0).layout_block;
  const int width = static_cast<int>(k.output_shape[3]);
  const int columns = std::min(b, width);
  hl::Func src = f.arguments.at(0);  // (x, y, c, n)
  auto sv = src.args();
  hl::Func out = f.output;
  auto ov = out.args();
  hl::Var xo("xo"), xi("xi"), co("co"), ci("ci"), t("t");
  if (to_blocked) {  // out: (c % b, x, y, c / b, n)
    out.split(ov[1], xo, xi, columns)
        .reorder(ov[0], xi, xo, ov[2], ov[3], ov[4])
        .vectorize(ov[0], b)
        .unroll(xi)
        .fuse(ov[2], ov[3], t)
        .fuse(t, ov[4], t);
    src.compute_at(out, xo).vectorize(sv[0], columns).unroll(sv[2]);
  } else {  // out: (x, y, c, n)
    out.split(ov[0], xo, xi, columns)
        .split(ov[2], co, ci, b)
        .reorder(xi, ci, xo, ov[1], co, ov[3])
        .vectorize(xi, columns)
        .unroll(ci)
        .fuse(ov[1], co, t)
        .fuse(t, ov[3], t);
    src.compute_at(out, xo)
        .reorder_storage(sv[2], sv[0], sv[1], sv[3])
        .reorder(sv[2], sv[0], sv[1], sv[3])
        .vectorize(sv[2], b)
        .unroll(sv[0]);
  }
  if (k.output_shape.elements() >= kParallelElements) parallel_tasks(out, t, k.schedule);
}

}  // namespace

void compute_root_plain(hl::Func f, const ir::Shape& ir_shape, int vector_width) {
  f.compute_root();
  schedule_plain(f, ir_shape, vector_width, /*parallel=*/true);
}

void apply_schedule(const KernelDesc& k, KernelFuncs& f, int /*threads_hint*/) {
  const Schedule& s = k.schedule;
  for (auto& root : f.roots) root.compute_root();
  const bool has_anchor = f.anchor.has_value();
  if (k.role == KernelDesc::Role::Reorder) {
    reorder_layout(k, f);
    return;
  }
  switch (has_anchor ? s.kind : ScheduleTemplate::Generic) {
    case ScheduleTemplate::ConvChannels:
    case ScheduleTemplate::ConvColumns: {
      ConvTile tile{.tiled = f.output};
      int64_t width = k.output_shape[3];
      if (f.before_pool.defined()) {
        if (s.producer == ProducerPlacement::Root) {
          f.before_pool.compute_root();
          tile.tiled = f.before_pool;
          tile.channels_innermost = k.output_block != 0;
          width = k.anchor.output[3];
          schedule_plain(f.output, k.passed_output_shape(), s.vector_width, s.parallel);
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
        schedule_plain(f.output, k.passed_output_shape(), s.vector_width, s.parallel);
        return;
      }
      depthwise(k, *f.anchor, f.output);
      return;
    case ScheduleTemplate::Dense:
      if (f.before_pool.defined()) {
        // A reduction over the units (softmax) needs every unit first.
        f.before_pool.compute_root();
        dense(k, *f.anchor, f.before_pool);
        schedule_plain(f.output, k.passed_output_shape(), s.vector_width, s.parallel);
        return;
      }
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
  schedule_plain(f.output, k.passed_output_shape(), s.vector_width, s.parallel);
}

}  // namespace cnnc::backends::halide
