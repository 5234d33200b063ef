// local_grad_input and local_grad_weight (ir/ops/local_grad.cpp) for every
// kernel, stride and (asymmetric) padding local2d accepts. Weight [OH, OW,
// K, C, R, S]: a separate filter at every output position.
//
// dx is gathered: each input position sums, over the output channels and
// the taps, dy at the output position that tap implies (where the stride
// divides) times that position's weight. The weight is staged once with
// the output columns innermost (zero outside the output), so a vector of
// input columns reads a vector of weights; dx is computed in register
// tiles of a vector of columns x a few channels, which share dy's loads.
//
// dW has one sum per weight, over the batch only: it is computed with the
// output columns in the vector lanes and the last axis's taps in
// registers (they share dy), the batch reduced serially in order, then
// transposed to the weight's layout.
#include <algorithm>

#include "backends/halide/lowering_table.h"
#include "backends/halide/nchw.h"
#include "backends/halide/schedule_templates.h"
#include "ir/ops/window.h"

namespace cnnc::backends::halide {

namespace {

namespace hl = Halide;

// Below this many multiply-adds a stage runs on one thread: handing out
// tasks would cost more.
constexpr int64_t kParallelMacs = 1 << 16;

// The most channels per tile (up to `most` accumulators) that divide the
// channels, so no tile recomputes another's; at least 4 when that divides nothing.
int channel_tile(int channels, int most) {
  for (int t = std::min(channels, most); t >= 4; --t)
    if (channels % t == 0) return t;
  return std::min(channels, 4);
}

hl::Func local_grad_input(const ir::Node& node, std::span<const hl::Func> in,
                          LoweringContext& ctx) {
  const ir::Shape &dys = ctx.input(0), &xs = ctx.output_shape;
  const ir::Window w = ir::read_window(node.attrs, xs);
  const int filters = to_int(dys[1]), channels = to_int(xs[1]);
  const int out_h = to_int(dys[2]), out_w = to_int(dys[3]);
  const int kh = to_int(w.kernel[0]), kw = to_int(w.kernel[1]);
  const int sh = to_int(w.stride[0]), sw = to_int(w.stride[1]);

  hl::Func dy = pad_constant(in[0], dys, 0.0f, 2, /*staged=*/true);
  compute_root_plain(dy, dys, ctx.vector_width);
  // The weight as [C, K, R, S, OH, OW] (IR order), zero outside the output.
  const ir::Shape wt_shape{channels, filters, kh, kw, out_h, out_w};
  auto u = make_vars(6);
  hl::Func wt = ctx.func("local_grad_input_weight_columns_inner");
  define(wt, u, read(in[1], {u[4], u[5], u[1], u[0], u[2], u[3]}));
  hl::Func weight = pad_constant(wt, wt_shape, 0.0f, 4, /*staged=*/true);
  compute_root_plain(weight, wt_shape, ctx.vector_width);

  auto v = make_vars(4);                 // n, c, ih, iw
  hl::RDom r(0, filters, 0, kh, 0, kw);  // output channel, row tap, column tap
  hl::Expr row = v[2] + to_int(w.pad_begin[0]) - r[1];
  hl::Expr column = v[3] + to_int(w.pad_begin[1]) - r[2];
  hl::Expr oh = sh > 1 ? row / sh : row, ow = sw > 1 ? column / sw : column;
  // Row taps that land between dy's rows (stride) or outside them are
  // skipped (the RDom's predicate); on the vectorized columns they read
  // dy's zero padding or are zeroed per lane.
  hl::Expr lands = row >= 0 && oh < out_h;
  if (sh > 1) lands = lands && row % sh == 0;
  r.where(lands);
  hl::Expr term = read(dy, {v[0], r[0], oh, ow}) * read(weight, {v[1], r[0], r[1], r[2], oh, ow});
  if (sw > 1) term = hl::select(column % sw == 0, term, 0.0f);

  hl::Func acc = ctx.func("local_grad_input_acc");
  define(acc, v, 0.0f);
  accumulate(acc, as_exprs(v), term);
  hl::Func dx = ctx.func("local_grad_input_tiles");
  define(dx, v, read(acc, as_exprs(v)));

  // dx's loops (Halide order: x, y, c, n): a vector of columns x a few
  // channels per tile, the tile's sums kept in registers. The batch runs
  // inside the rows, so the weights a row of tiles reads (its channels, a
  // few output rows) stay in cache for every item: the whole weight is
  // often larger than the cache, and read once per item it bound the speed.
  const hl::Var &col = v[3], &y = v[2], &chan = v[1], &item = v[0];
  const int vx = std::min<int>(ctx.vector_width, to_int(xs[3]));
  const int tc = channel_tile(channels, std::min(8, ctx.registers - 4));
  hl::Var colo("colo"), chano("chano"), task("task");
  dx.compute_root()
      .split(col, colo, col, vx, hl::TailStrategy::ShiftInwards)
      .split(chan, chano, chan, tc, hl::TailStrategy::ShiftInwards)
      .reorder(col, chan, colo, item, y, chano)
      .vectorize(col)
      .unroll(chan);
  if (dys.elements() * channels * kh * kw >= kParallelMacs) dx.fuse(y, chano, task).parallel(task);
  acc.compute_at(dx, colo).vectorize(col).unroll(chan);
  acc.update().reorder(col, chan, r[0], r[2], r[1]).vectorize(col).unroll(chan);

  hl::Func out = ctx.func("local_grad_input");
  define(out, v, read(dx, as_exprs(v)));
  return out;
}

hl::Func local_grad_weight(const ir::Node& node, std::span<const hl::Func> in,
                           LoweringContext& ctx) {
  const ir::Shape &dys = ctx.input(0), &xs = ctx.input(1), &ws = ctx.output_shape;
  const ir::Window w = ir::read_window(node.attrs, xs);
  const int out_w = to_int(dys[3]);
  const int kw = to_int(w.kernel[1]);

  hl::Func x = pad_constant(in[1], xs, 0.0f, 2, /*staged=*/true);
  compute_root_plain(x, xs, ctx.vector_width);

  // sums as [OH, K, C, R, S, OW] (IR order): output columns innermost.
  hl::Var oh("oh"), k("k"), c("c"), tr("row_tap"), ts("col_tap"), ow("ow");
  const std::vector<hl::Var> g{oh, k, c, tr, ts, ow};
  hl::RDom n(0, to_int(dys[0]));
  hl::Expr ih = oh * to_int(w.stride[0]) - to_int(w.pad_begin[0]) + tr;
  hl::Expr iw = ow * to_int(w.stride[1]) - to_int(w.pad_begin[1]) + ts;
  hl::Func acc = ctx.func("local_grad_weight_acc");
  define(acc, g, 0.0f);
  accumulate(acc, as_exprs(g), read(in[0], {n, k, oh, ow}) * read(x, {n, c, ih, iw}));
  hl::Func sums = ctx.func("local_grad_weight_sums");
  define(sums, g, read(acc, as_exprs(g)));

  // A vector of output columns x the column taps per tile (they share dy's
  // loads), the batch summed serially, in order, inside it.
  const int vx = std::min<int>(ctx.vector_width, out_w);
  const bool unroll_taps = kw <= ctx.registers - 4;
  hl::Var owo("owo"), task("task");
  sums.compute_root()
      .split(ow, owo, ow, vx, hl::TailStrategy::ShiftInwards)
      .reorder(ow, ts, owo, tr, c, k, oh)
      .vectorize(ow);
  if (unroll_taps) sums.unroll(ts);
  if (ws.elements() * dys[0] >= kParallelMacs) sums.fuse(k, oh, task).parallel(task);
  acc.compute_at(sums, owo).vectorize(ow);
  acc.update().reorder(ow, ts, n).vectorize(ow);
  if (unroll_taps) acc.unroll(ts), acc.update().unroll(ts);

  auto wv = make_vars(6);  // oh, ow, k, c, r, s
  hl::Func out = ctx.func("local_grad_weight");
  define(out, wv, read(sums, {wv[0], wv[2], wv[3], wv[4], wv[5], wv[1]}));
  return out;
}

}  // namespace

void register_local_grad_halide(LoweringTable& table) {
  table.add("local_grad_input", local_grad_input);
  table.add("local_grad_weight", local_grad_weight);
}

}  // namespace cnnc::backends::halide
