// conv_grad_input and conv_grad_weight (ir/ops/conv_grad.cpp) for every
// rank, stride, padding, dilation and grouping the forward accepts.
//
// dx is gathered: each input position sums, over the output channels of
// its group and the kernel taps, the dy position that tap implies (where
// the stride divides), against the weight. It is computed in register
// tiles of a vector of columns x a few channels.
//
// dW reduces dy * x over the batch and the output positions. The last
// spatial axis is reduced a vector at a time into per-lane partial sums
// (dy padded with zeros to whole vectors), the batch in a fixed number of
// chunks that run in parallel; lanes and chunks are summed at the end. The
// chunk count depends only on the batch size, so the sums and their order
// do not depend on the thread count and a run repeats bit for bit.
#include <algorithm>
#include <array>

#include "backends/halide/activation_expr.h"
#include "backends/halide/lowering_table.h"
#include "backends/halide/nchw.h"
#include "backends/halide/ops/weight_gradient.h"
#include "backends/halide/schedule_templates.h"
#include "ir/ops/window.h"

namespace cnnc::backends::halide {

namespace {

namespace hl = Halide;

constexpr int kBatchChunks = 4;  // dW's parallel partial sums over the batch

// The most channels per tile (up to `most` accumulators) that divide the
// channels, so no tile recomputes another's; at least 4 when that divides nothing.
int channel_tile(int channels, int most) {
  for (int t = std::min(channels, most); t >= 4; --t)
    if (channels % t == 0) return t;
  return std::min(channels, 4);
}

std::vector<hl::Var> halide_order(const std::vector<hl::Var>& ir_vars) {
  return {ir_vars.rbegin(), ir_vars.rend()};
}

hl::Func conv_grad_input(const ir::Node& node, std::span<const hl::Func> in, LoweringContext& ctx) {
  const ir::Shape &dys = ctx.input(0), &xs = ctx.output_shape;
  const ir::Window w = ir::read_window(node.attrs, xs);
  const size_t rank = w.rank();
  const int groups = to_int(node.attrs.get_int("groups"));
  const int kg = to_int(dys[1] / groups), cg = to_int(xs[1] / groups);

  hl::Func dy = pad_constant(in[0], dys, 0.0f, 2, /*staged=*/true);
  compute_root_plain(dy, dys, ctx.vector_width);
  auto v = make_vars(rank + 2);  // n, c, input spatial...
  hl::Region reduction{{0, kg}};
  for (size_t a = 0; a < rank; ++a) reduction.push_back({0, to_int(w.kernel[a])});
  hl::RDom r(reduction);  // r[0]: output channel in the group, r[1 + a]: tap on axis a

  // A stride s on the last (vectorized) axis splits the columns into s
  // phases, column = j * s + phase: within a phase every lane takes the
  // same taps, so the taps that fall between dy's columns are skipped
  // rather than multiplied by zero. The tiles are computed over
  // (phase, n, c, rows..., j) and interleaved back at the end.
  const size_t last = rank - 1;
  const int phases = to_int(w.stride[last]);
  hl::Var phase("phase"), j("j");
  std::vector<hl::Var> tv;  // the tiles' vars, IR order
  if (phases > 1) tv.push_back(phase);
  tv.insert(tv.end(), v.begin(), v.end());
  if (phases > 1) tv.back() = j;
  const hl::Expr column = phases > 1 ? j * phases + phase : hl::Expr(v[2 + last]);

  hl::Expr group = v[1] / cg;
  hl::Expr k = group * kg + r[0];
  std::vector<hl::Expr> dyi{v[0], k}, wi{k, v[1] - group * cg};
  // Taps that land between dy's positions (stride) or outside dy read
  // nothing: they are skipped (the RDom's predicate, a branch per row or
  // phase), except outside dy's columns, where the padded dy reads zeros.
  hl::Expr lands = hl::Internal::const_true();
  for (size_t a = 0; a < rank; ++a) {
    const int stride = to_int(w.stride[a]);
    const hl::Expr tap = r[1 + static_cast<int>(a)] * to_int(w.dilation[a]);
    if (a == last) {
      // The column's offset within its phase: exact where it divides.
      const hl::Expr shift =
          (phases > 1 ? hl::Expr(phase) : hl::Expr(0)) + to_int(w.pad_begin[a]) - tap;
      if (stride > 1) lands = lands && shift % stride == 0;
      dyi.push_back(stride > 1 ? j + shift / stride : column + shift);
    } else {
      const hl::Expr numer = v[2 + a] + to_int(w.pad_begin[a]) - tap;
      const hl::Expr at = stride > 1 ? numer / stride : numer;
      lands = lands && numer >= 0 && at < to_int(dys[2 + a]);
      if (stride > 1) lands = lands && numer % stride == 0;
      dyi.push_back(at);
    }
    wi.push_back(r[1 + static_cast<int>(a)]);
  }
  if (!hl::Internal::is_const_one(lands)) r.where(lands);
  const hl::Expr term = read(dy, dyi) * read(in[1], wi);

  hl::Func acc = ctx.func("conv_grad_input_acc");
  define(acc, tv, 0.0f);
  accumulate(acc, as_exprs(tv), term);
  hl::Func dx = ctx.func("conv_grad_input_tiles");
  define(dx, tv, read(acc, as_exprs(tv)));

  // dx's loops (Halide order: x, [y, [z]], c, n[, phase]): a vector of
  // columns x a few channels (x two rows) per tile, the tile's sums kept in
  // registers.
  const std::vector<hl::Var> h = halide_order(tv);
  const hl::Var &col = h[0], &chan = h[rank], &item = h[rank + 1];
  const int columns =
      phases > 1 ? (to_int(xs[xs.rank() - 1]) + phases - 1) / phases : to_int(xs[xs.rank() - 1]);
  const int vx = std::min<int>(ctx.vector_width, columns);
  const int budget = ctx.registers - 4;  // accumulators; the rest hold dy and a weight
  const int tc = channel_tile(to_int(xs[1]), std::min(8, budget));
  hl::Var colo("colo"), chano("chano"), task("task");
  // Two rows per tile where there are rows: each weight read serves both.
  const int tr = rank >= 2 && xs[xs.rank() - 2] >= 2 && 2 * tc <= budget ? 2 : 1;
  hl::Var rowo("rowo");
  const hl::Var& row = h[std::min<size_t>(1, rank)];
  dx.compute_root()
      .split(col, colo, col, vx, hl::TailStrategy::ShiftInwards)
      .split(chan, chano, chan, tc, hl::TailStrategy::ShiftInwards);
  if (tr > 1) dx.split(row, rowo, row, tr, hl::TailStrategy::ShiftInwards);
  std::vector<hl::VarOrRVar> inner{col, chan};
  if (tr > 1) inner.push_back(row);
  inner.push_back(colo);
  dx.reorder(inner).vectorize(col).unroll(chan);
  if (tr > 1) dx.unroll(row);
  std::vector<hl::VarOrRVar> outer{colo};
  for (size_t a = 1; a < rank; ++a) outer.push_back(tr > 1 && a == 1 ? rowo : h[a]);
  outer.push_back(chano);
  outer.push_back(item);
  if (phases > 1) outer.push_back(phase);
  dx.reorder(outer);
  dx.fuse(chano, item, task);
  if (phases > 1) dx.fuse(task, phase, task);
  dx.parallel(task);
  acc.compute_at(dx, colo).vectorize(col).unroll(chan);
  std::vector<hl::VarOrRVar> update_order{col, chan};
  if (tr > 1) update_order.push_back(row);
  for (int i = 0; i < r.dimensions(); ++i) update_order.push_back(r[i]);
  acc.update().reorder(update_order).vectorize(col).unroll(chan);
  if (tr > 1) acc.unroll(row), acc.update().unroll(row);

  std::vector<hl::Expr> at = as_exprs(v);
  if (phases > 1) {
    at.back() = v[2 + last] / phases;
    at.insert(at.begin(), v[2 + last] % phases);
  }
  hl::Func out = ctx.func("conv_grad_input");
  define(out, v, read(dx, at) * layer_activation_derivative(node.attrs, read(in[2], as_exprs(v))));
  return out;
}

// dW with output channels in the vector lanes (groups = 1, K a multiple of
// 8): dy is staged channels-innermost, and each task keeps up to two
// vectors of channels x the last axis's taps in registers while it walks
// the output positions of its batch chunk; x is read as broadcasts. No
// lane is wasted on a row's tail.
hl::Func weight_gradient_by_channels(const WeightGradient& g, LoweringContext& ctx) {
  const ir::Shape &dys = g.reduced_shape, &xs = g.windowed_shape, &ws = ctx.output_shape;
  const ir::Window& w = g.window;
  const std::array<hl::Func, 2> in{g.reduced, g.windowed};
  const size_t rank = w.rank(), last = rank - 1;
  const int channels = to_int(dys[1]);
  const int batch = to_int(dys[0]);
  const int chunks = std::min(kBatchChunks, batch);
  const int per_chunk = (batch + chunks - 1) / chunks;

  // dy as (k, spatial..., n) in Halide order: channels innermost.
  hl::Var k("k"), c("c"), chunk("chunk"), n_var("n");
  std::vector<hl::Var> o;  // IR spatial order
  for (size_t a = 0; a < rank; ++a) o.push_back(hl::Var("out" + std::to_string(a)));
  std::vector<hl::Var> dyt_args{k};
  for (size_t a = rank; a-- > 0;) dyt_args.push_back(o[a]);
  dyt_args.push_back(n_var);
  std::vector<hl::Expr> dy_at{n_var, k};
  dy_at.insert(dy_at.end(), o.begin(), o.end());
  hl::Func dyt = ctx.func("conv_grad_weight_dy_channels_inner");
  dyt(dyt_args) = read(in[0], dy_at);
  dyt.compute_root().vectorize(k, ctx.vector_width).parallel(n_var);
  hl::Func x = pad_constant(in[1], xs, 0.0f, 2, /*staged=*/true);
  compute_root_plain(x, xs, ctx.vector_width);

  std::vector<hl::Var> t;
  for (size_t a = 0; a < rank; ++a)
    t.push_back(hl::Var("tap" + std::to_string(a)));  // "t<N>" would meet Halide's CSE names
  // partial(k, taps (last axis first)..., c, chunk) in Halide order.
  std::vector<hl::Var> pv{k};
  for (size_t a = rank; a-- > 0;) pv.push_back(t[a]);
  pv.push_back(c);
  pv.push_back(chunk);

  // Reduced: the output positions (last axis innermost), then the chunk's items.
  hl::Region reduction;
  for (size_t a = rank; a-- > 0;) reduction.push_back({0, to_int(dys[2 + a])});
  reduction.push_back({0, per_chunk});
  hl::RDom r(reduction);
  hl::Expr n = chunk * per_chunk + r[static_cast<int>(rank)];
  if (batch % chunks) {
    r.where(n < batch);
    n = hl::min(n, batch - 1);  // bounds inference does not see the predicate
  }
  std::vector<hl::Expr> dyt_at{k}, xi{n, c};
  for (size_t a = rank; a-- > 0;) dyt_at.push_back(r[static_cast<int>(last - a)]);
  dyt_at.push_back(n);
  for (size_t a = 0; a < rank; ++a)
    xi.push_back(r[static_cast<int>(last - a)] * to_int(w.stride[a]) - to_int(w.pad_begin[a]) +
                 t[a] * to_int(w.dilation[a]));
  hl::Func partial = ctx.func("conv_grad_weight_partial");
  partial(pv) = 0.0f;
  partial(pv) += dyt(dyt_at) * read(x, xi);

  hl::Func sums = ctx.func("conv_grad_weight_sums");
  sums(pv) = partial(pv);
  const int vector = ctx.vector_width;
  const int tile = std::min(channels, 2 * vector);
  hl::Var ktile("ktile"), kvec("kvec"), task("task");
  sums.compute_root()
      .split(k, ktile, k, tile)
      .split(k, kvec, k, vector)
      .vectorize(k)
      .unroll(kvec)
      .unroll(t[last]);
  std::vector<hl::VarOrRVar> order{k, kvec, t[last]};
  for (size_t a = last; a-- > 0;) order.push_back(t[a]);
  order.push_back(c);
  order.push_back(ktile);
  order.push_back(chunk);
  sums.reorder(order).fuse(c, ktile, task).fuse(task, chunk, task).parallel(task);
  partial.compute_at(sums, rank > 1 ? t[last - 1] : task)
      .split(k, kvec, k, vector)
      .vectorize(k)
      .unroll(kvec)
      .unroll(t[last]);
  std::vector<hl::VarOrRVar> inner{k, kvec, t[last]};
  for (int i = 0; i < r.dimensions(); ++i) inner.push_back(r[i]);
  partial.update()
      .split(k, kvec, k, vector)
      .reorder(inner)
      .vectorize(k)
      .unroll(kvec)
      .unroll(t[last]);

  // dW = the sum over chunks.
  auto wv = make_vars(ws.rank());  // k, c, taps...
  hl::RDom s(0, chunks);
  std::vector<hl::Expr> at{wv[0]};
  for (size_t a = rank; a-- > 0;) at.push_back(wv[2 + a]);
  at.push_back(wv[1]);
  at.push_back(s);
  hl::Func out = ctx.func("conv_grad_weight");
  define(out, wv, hl::sum(sums(at)));
  return out;
}

// dW with columns in the vector lanes, for few or grouped channels.
hl::Func weight_gradient_by_columns(const WeightGradient& g, LoweringContext& ctx) {
  const ir::Shape &dys = g.reduced_shape, &xs = g.windowed_shape, &ws = ctx.output_shape;
  const ir::Window& w = g.window;
  const std::array<hl::Func, 2> in{g.reduced, g.windowed};
  const size_t rank = w.rank(), last = rank - 1;
  const int groups = g.groups;
  const int kg = to_int(dys[1] / groups), cg = to_int(xs[1] / groups);
  const int batch = to_int(dys[0]);
  const int chunks = std::min(kBatchChunks, batch);
  const int per_chunk = (batch + chunks - 1) / chunks;
  const int out_cols = to_int(dys[2 + last]);
  const int lanes = ctx.vector_width;
  const int vectors = (out_cols + lanes - 1) / lanes;

  // dy zero beyond its last axis, so whole vectors of columns can be read.
  hl::Func dy = pad_constant(in[0], dys, 0.0f, 2 + last, /*staged=*/true);
  compute_root_plain(dy, dys, ctx.vector_width);
  hl::Func x = pad_constant(in[1], xs, 0.0f, 2, /*staged=*/true);
  compute_root_plain(x, xs, ctx.vector_width);

  // partial(lane, taps..., c, k, chunk), in IR-like order: chunk, k, c, taps..., lane.
  hl::Var lane("lane"), c("c"), k("k"), chunk("chunk");
  std::vector<hl::Var> t;
  for (size_t a = 0; a < rank; ++a)
    t.push_back(hl::Var("tap" + std::to_string(a)));  // "t<N>" would meet Halide's CSE names
  std::vector<hl::Var> pv{chunk, k, c};
  pv.insert(pv.end(), t.begin(), t.end());
  pv.push_back(lane);

  // Reduced: column vectors (innermost), the other output axes, the items of the chunk.
  hl::Region reduction{{0, vectors}};
  for (size_t a = last; a-- > 0;) reduction.push_back({0, to_int(dys[2 + a])});
  reduction.push_back({0, per_chunk});
  hl::RDom r(reduction);
  auto out_pos = [&](size_t a) -> hl::Expr {  // output position on axis a < last
    return r[static_cast<int>(last - a)];
  };
  hl::Expr n = chunk * per_chunk + r[static_cast<int>(rank)];
  if (batch % chunks) {
    r.where(n < batch);
    n = hl::min(n, batch - 1);  // bounds inference does not see the predicate
  }

  hl::Expr column = r[0] * lanes + lane;
  std::vector<hl::Expr> dyi{n, k}, xi{n, (k / kg) * cg + c};
  for (size_t a = 0; a < rank; ++a) {
    hl::Expr o = a == last ? column : out_pos(a);
    dyi.push_back(o);
    xi.push_back(o * to_int(w.stride[a]) - to_int(w.pad_begin[a]) + t[a] * to_int(w.dilation[a]));
  }
  hl::Func partial = ctx.func("conv_grad_weight_partial");
  define(partial, pv, 0.0f);
  accumulate(partial, as_exprs(pv), read(dy, dyi) * read(x, xi));

  hl::Func sums = ctx.func("conv_grad_weight_sums");
  define(sums, pv, read(partial, as_exprs(pv)));
  // Each (chunk, k, c, outer taps) task keeps the last axis's taps x a
  // vector of lanes in registers through the whole reduction.
  hl::Var task("task");
  sums.compute_root().vectorize(lane).unroll(t[last]);
  std::vector<hl::VarOrRVar> order{lane, t[last]};
  for (size_t a = last; a-- > 0;) order.push_back(t[a]);
  order.push_back(c);
  order.push_back(k);
  order.push_back(chunk);
  sums.reorder(order).fuse(k, chunk, task).parallel(task);
  partial.compute_at(sums, rank > 1 ? t[last - 1] : c).vectorize(lane).unroll(t[last]);
  std::vector<hl::VarOrRVar> inner{lane, t[last]};
  for (int i = 0; i < r.dimensions(); ++i) inner.push_back(r[i]);
  partial.update().reorder(inner).vectorize(lane).unroll(t[last]);

  // dW = the sum over chunks and lanes.
  auto wv = make_vars(ws.rank());  // k, c, taps...
  hl::RDom s(hl::Region{{0, lanes}, {0, chunks}});
  std::vector<hl::Expr> at{s[1], wv[0], wv[1]};
  for (size_t a = 0; a < rank; ++a) at.push_back(wv[2 + a]);
  at.push_back(s[0]);
  hl::Func out = ctx.func("conv_grad_weight");
  define(out, wv, hl::sum(read(sums, at)));
  return out;
}

hl::Func conv_grad_weight(const ir::Node& node, std::span<const hl::Func> in,
                          LoweringContext& ctx) {
  // dW[k, c, taps] = sum over items and positions of dy[k] x[c] at the tap.
  return weight_gradient({.window = ir::read_window(node.attrs, ctx.input(1)),
                          .groups = to_int(node.attrs.get_int("groups")),
                          .reduced = in[0],
                          .reduced_shape = ctx.input(0),
                          .windowed = in[1],
                          .windowed_shape = ctx.input(1)},
                         ctx);
}

}  // namespace

hl::Func weight_gradient(const WeightGradient& g, LoweringContext& ctx) {
  if (g.groups == 1 && g.reduced_shape[1] % ctx.vector_width == 0)
    return weight_gradient_by_channels(g, ctx);
  return weight_gradient_by_columns(g, ctx);
}

void register_conv_grad_halide(LoweringTable& table) {
  table.add("conv_grad_input", conv_grad_input);
  table.add("conv_grad_weight", conv_grad_weight);
}

}  // namespace cnnc::backends::halide
