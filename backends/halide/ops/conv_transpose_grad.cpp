// conv_transpose_grad_input and conv_transpose_grad_weight
// (ir/ops/conv_transpose_grad.cpp) for every rank (1 to 3 spatial axes),
// stride, padding, output padding, dilation and grouping the op accepts.
// The forward scatters input position i through tap t to output position
// o = i * stride - pad + t * dilation, so both gradients are gathers over o
// and need no division.
//
// dx is the ordinary convolution of dy with the weight: each input
// position sums, over the output channels of its group and the taps, dy at
// the position its tap sent to (dy zero-padded around its edges) times the
// weight. It is computed in register tiles of a vector of columns x a few
// channels, as conv_grad_input's (backends/halide/ops/conv_grad.cpp).
//
// dW reduces x * dy over the batch and the input positions, as
// conv_grad_weight does with the roles of x and dy exchanged: partial sums
// per vector lane (or per vector of input channels) and per batch chunk,
// the chunk count depending only on the batch size, summed in a fixed order
// at the end, so a run repeats bit for bit whatever the thread count.
#include <algorithm>

#include "backends/halide/lowering_table.h"
#include "backends/halide/nchw.h"
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

// Kernel-tap Vars named "tap<a>": "t<N>" would meet Halide's CSE names.
std::vector<hl::Var> tap_vars(size_t rank) {
  std::vector<hl::Var> t;
  for (size_t a = 0; a < rank; ++a) t.push_back(hl::Var("tap" + std::to_string(a)));
  return t;
}

hl::Func conv_transpose_grad_input(const ir::Node& node, std::span<const hl::Func> in,
                                   LoweringContext& ctx) {
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

  // Weight [C, K/groups, kernel...]: input channel c sent to the K/groups
  // output channels of its group.
  std::vector<hl::Expr> dyi{v[0], (v[1] / cg) * kg + r[0]}, wi{v[1], r[0]};
  for (size_t a = 0; a < rank; ++a) {
    const hl::Expr tap = r[1 + static_cast<int>(a)];
    dyi.push_back(v[2 + a] * to_int(w.stride[a]) - to_int(w.pad_begin[a]) +
                  tap * to_int(w.dilation[a]));
    wi.push_back(tap);
  }
  hl::Func acc = ctx.func("conv_transpose_grad_input_acc");
  define(acc, v, 0.0f);
  accumulate(acc, as_exprs(v), read(dy, dyi) * read(in[1], wi));
  hl::Func dx = ctx.func("conv_transpose_grad_input_tiles");
  define(dx, v, read(acc, as_exprs(v)));

  // dx's loops (Halide order: x, [y, [z]], c, n): a vector of columns x a
  // few channels per tile, the tile's sums kept in registers.
  const std::vector<hl::Var> h = halide_order(v);
  const hl::Var &col = h[0], &chan = h[rank], &item = h[rank + 1];
  const int vx = std::min<int>(ctx.vector_width, to_int(xs[xs.rank() - 1]));
  const int budget = ctx.registers - 4;  // accumulators; the rest hold dy and a weight
  const int tc = channel_tile(to_int(xs[1]), std::min(8, budget));
  hl::Var colo("colo"), chano("chano"), task("task");
  dx.compute_root()
      .split(col, colo, col, vx, hl::TailStrategy::ShiftInwards)
      .split(chan, chano, chan, tc, hl::TailStrategy::ShiftInwards)
      .reorder(col, chan, colo)
      .vectorize(col)
      .unroll(chan);
  std::vector<hl::VarOrRVar> outer{colo};
  for (size_t a = 1; a < rank; ++a) outer.push_back(h[a]);
  outer.push_back(chano);
  outer.push_back(item);
  dx.reorder(outer);
  dx.fuse(chano, item, task).parallel(task);
  acc.compute_at(dx, colo).vectorize(col).unroll(chan);
  std::vector<hl::VarOrRVar> update_order{col, chan};
  for (int i = 0; i < r.dimensions(); ++i) update_order.push_back(r[i]);
  acc.update().reorder(update_order).vectorize(col).unroll(chan);

  hl::Func out = ctx.func("conv_transpose_grad_input");
  define(out, v, read(dx, as_exprs(v)));
  return out;
}

// dW with input channels in the vector lanes (groups = 1, C a multiple of
// the vector width): x is staged channels-innermost, and each task keeps
// up to two vectors of channels x the last axis's taps in registers while
// it walks the input positions of its batch chunk; dy is read as broadcasts.
hl::Func conv_transpose_grad_weight_by_channels(const ir::Node& node, std::span<const hl::Func> in,
                                                LoweringContext& ctx) {
  const ir::Shape &dys = ctx.input(0), &xs = ctx.input(1), &ws = ctx.output_shape;
  const ir::Window w = ir::read_window(node.attrs, xs);
  const size_t rank = w.rank(), last = rank - 1;
  const int channels = to_int(xs[1]);
  const int batch = to_int(xs[0]);
  const int chunks = std::min(kBatchChunks, batch);
  const int per_chunk = (batch + chunks - 1) / chunks;

  // x as (c, spatial..., n) in Halide order: channels innermost.
  hl::Var c("c"), k("k"), chunk("chunk"), n_var("n");
  std::vector<hl::Var> i;  // IR spatial order
  for (size_t a = 0; a < rank; ++a) i.push_back(hl::Var("in" + std::to_string(a)));
  std::vector<hl::Var> xt_args{c};
  for (size_t a = rank; a-- > 0;) xt_args.push_back(i[a]);
  xt_args.push_back(n_var);
  std::vector<hl::Expr> x_at{n_var, c};
  x_at.insert(x_at.end(), i.begin(), i.end());
  hl::Func xt = ctx.func("conv_transpose_grad_weight_x_channels_inner");
  xt(xt_args) = read(in[1], x_at);
  xt.compute_root().vectorize(c, ctx.vector_width).parallel(n_var);
  hl::Func dy = pad_constant(in[0], dys, 0.0f, 2, /*staged=*/true);
  compute_root_plain(dy, dys, ctx.vector_width);

  const std::vector<hl::Var> t = tap_vars(rank);
  // partial(c, taps (last axis first)..., k, chunk) in Halide order.
  std::vector<hl::Var> pv{c};
  for (size_t a = rank; a-- > 0;) pv.push_back(t[a]);
  pv.push_back(k);
  pv.push_back(chunk);

  // Reduced: the input positions (last axis innermost), then the chunk's items.
  hl::Region reduction;
  for (size_t a = rank; a-- > 0;) reduction.push_back({0, to_int(xs[2 + a])});
  reduction.push_back({0, per_chunk});
  hl::RDom r(reduction);
  hl::Expr n = chunk * per_chunk + r[static_cast<int>(rank)];
  if (batch % chunks) {
    r.where(n < batch);
    n = hl::min(n, batch - 1);  // bounds inference does not see the predicate
  }
  std::vector<hl::Expr> xt_at{c}, dyi{n, k};
  for (size_t a = rank; a-- > 0;) xt_at.push_back(r[static_cast<int>(last - a)]);
  xt_at.push_back(n);
  for (size_t a = 0; a < rank; ++a)
    dyi.push_back(r[static_cast<int>(last - a)] * to_int(w.stride[a]) - to_int(w.pad_begin[a]) +
                  t[a] * to_int(w.dilation[a]));
  hl::Func partial = ctx.func("conv_transpose_grad_weight_partial");
  partial(pv) = 0.0f;
  partial(pv) += xt(xt_at) * read(dy, dyi);

  hl::Func sums = ctx.func("conv_transpose_grad_weight_sums");
  sums(pv) = partial(pv);
  const int vector = ctx.vector_width;
  const int tile = std::min(channels, 2 * vector);
  hl::Var ctile("ctile"), cvec("cvec"), task("task");
  sums.compute_root()
      .split(c, ctile, c, tile)
      .split(c, cvec, c, vector)
      .vectorize(c)
      .unroll(cvec)
      .unroll(t[last]);
  std::vector<hl::VarOrRVar> order{c, cvec, t[last]};
  for (size_t a = last; a-- > 0;) order.push_back(t[a]);
  order.push_back(k);
  order.push_back(ctile);
  order.push_back(chunk);
  sums.reorder(order).fuse(k, ctile, task).fuse(task, chunk, task).parallel(task);
  partial.compute_at(sums, rank > 1 ? t[last - 1] : task)
      .split(c, cvec, c, vector)
      .vectorize(c)
      .unroll(cvec)
      .unroll(t[last]);
  std::vector<hl::VarOrRVar> inner{c, cvec, t[last]};
  for (int d = 0; d < r.dimensions(); ++d) inner.push_back(r[d]);
  partial.update()
      .split(c, cvec, c, vector)
      .reorder(inner)
      .vectorize(c)
      .unroll(cvec)
      .unroll(t[last]);

  // dW = the sum over chunks.
  auto wv = make_vars(ws.rank());  // c, k, taps...
  hl::RDom s(0, chunks);
  std::vector<hl::Expr> at{wv[0]};
  for (size_t a = rank; a-- > 0;) at.push_back(wv[2 + a]);
  at.push_back(wv[1]);
  at.push_back(s);
  hl::Func out = ctx.func("conv_transpose_grad_weight");
  define(out, wv, hl::sum(sums(at)));
  return out;
}

// dW with input columns in the vector lanes, for few or grouped channels.
hl::Func conv_transpose_grad_weight_by_columns(const ir::Node& node, std::span<const hl::Func> in,
                                               LoweringContext& ctx) {
  const ir::Shape &dys = ctx.input(0), &xs = ctx.input(1), &ws = ctx.output_shape;
  const ir::Window w = ir::read_window(node.attrs, xs);
  const size_t rank = w.rank(), last = rank - 1;
  const int groups = to_int(node.attrs.get_int("groups"));
  const int kg = to_int(dys[1] / groups), cg = to_int(xs[1] / groups);
  const int batch = to_int(xs[0]);
  const int chunks = std::min(kBatchChunks, batch);
  const int per_chunk = (batch + chunks - 1) / chunks;
  const int in_cols = to_int(xs[2 + last]);
  const int lanes = ctx.vector_width;
  const int vectors = (in_cols + lanes - 1) / lanes;

  // x zero beyond its last axis, so whole vectors of columns can be read.
  hl::Func x = pad_constant(in[1], xs, 0.0f, 2 + last, /*staged=*/true);
  compute_root_plain(x, xs, ctx.vector_width);
  hl::Func dy = pad_constant(in[0], dys, 0.0f, 2, /*staged=*/true);
  compute_root_plain(dy, dys, ctx.vector_width);

  // partial(lane, taps..., k, c, chunk), in IR-like order: chunk, c, k, taps..., lane.
  hl::Var lane("lane"), c("c"), k("k"), chunk("chunk");
  const std::vector<hl::Var> t = tap_vars(rank);
  std::vector<hl::Var> pv{chunk, c, k};
  pv.insert(pv.end(), t.begin(), t.end());
  pv.push_back(lane);

  // Reduced: column vectors (innermost), the other input axes, the items of the chunk.
  hl::Region reduction{{0, vectors}};
  for (size_t a = last; a-- > 0;) reduction.push_back({0, to_int(xs[2 + a])});
  reduction.push_back({0, per_chunk});
  hl::RDom r(reduction);
  hl::Expr n = chunk * per_chunk + r[static_cast<int>(rank)];
  if (batch % chunks) {
    r.where(n < batch);
    n = hl::min(n, batch - 1);  // bounds inference does not see the predicate
  }

  hl::Expr column = r[0] * lanes + lane;
  std::vector<hl::Expr> xi{n, c}, dyi{n, (c / cg) * kg + k};
  for (size_t a = 0; a < rank; ++a) {
    hl::Expr i = a == last ? column : hl::Expr(r[static_cast<int>(last - a)]);
    xi.push_back(i);
    dyi.push_back(i * to_int(w.stride[a]) - to_int(w.pad_begin[a]) + t[a] * to_int(w.dilation[a]));
  }
  hl::Func partial = ctx.func("conv_transpose_grad_weight_partial");
  define(partial, pv, 0.0f);
  accumulate(partial, as_exprs(pv), read(x, xi) * read(dy, dyi));

  hl::Func sums = ctx.func("conv_transpose_grad_weight_sums");
  define(sums, pv, read(partial, as_exprs(pv)));
  // Each (chunk, c, outer taps) task keeps the last axis's taps x a vector
  // of lanes in registers through the whole reduction.
  hl::Var task("task");
  sums.compute_root().vectorize(lane).unroll(t[last]);
  std::vector<hl::VarOrRVar> order{lane, t[last]};
  for (size_t a = last; a-- > 0;) order.push_back(t[a]);
  order.push_back(k);
  order.push_back(c);
  order.push_back(chunk);
  sums.reorder(order).fuse(c, chunk, task).parallel(task);
  partial.compute_at(sums, rank > 1 ? t[last - 1] : k).vectorize(lane).unroll(t[last]);
  std::vector<hl::VarOrRVar> inner{lane, t[last]};
  for (int d = 0; d < r.dimensions(); ++d) inner.push_back(r[d]);
  partial.update().reorder(inner).vectorize(lane).unroll(t[last]);

  // dW = the sum over chunks and lanes.
  auto wv = make_vars(ws.rank());  // c, k, taps...
  hl::RDom s(hl::Region{{0, lanes}, {0, chunks}});
  std::vector<hl::Expr> at{s[1], wv[0], wv[1]};
  for (size_t a = 0; a < rank; ++a) at.push_back(wv[2 + a]);
  at.push_back(s[0]);
  hl::Func out = ctx.func("conv_transpose_grad_weight");
  define(out, wv, hl::sum(read(sums, at)));
  return out;
}

hl::Func conv_transpose_grad_weight(const ir::Node& node, std::span<const hl::Func> in,
                                    LoweringContext& ctx) {
  if (node.attrs.get_int("groups") == 1 && ctx.input(1)[1] % ctx.vector_width == 0)
    return conv_transpose_grad_weight_by_channels(node, in, ctx);
  return conv_transpose_grad_weight_by_columns(node, in, ctx);
}

}  // namespace

void register_conv_transpose_grad_halide(LoweringTable& table) {
  table.add("conv_transpose_grad_input", conv_transpose_grad_input);
  table.add("conv_transpose_grad_weight", conv_transpose_grad_weight);
}

}  // namespace cnnc::backends::halide
