// The small backward ops (ir/ops/grad.cpp): elementwise derivatives, the
// dense layer's two products, the reductions of bias gradients and of
// broadcasts, slices, and the losses' gradients. Reductions are sums in a
// fixed order, so a run repeats bit for bit.
#include <functional>
#include <limits>
#include <string>

#include "backends/halide/activation_expr.h"
#include "backends/halide/lowering_table.h"
#include "backends/halide/nchw.h"
#include "ir/ops/axis.h"

namespace cnnc::backends::halide {

namespace {

namespace hl = Halide;

hl::Func activation_grad(const ir::Node& node, std::span<const hl::Func> in, LoweringContext& ctx) {
  auto v = make_vars(ctx.output_shape.rank());
  hl::Func out = ctx.func("activation_grad");
  define(
      out, v,
      read(in[1], as_exprs(v)) * layer_activation_derivative(node.attrs, read(in[0], as_exprs(v))));
  return out;
}

// A matrix product p[row, col] = sum_k term(row, col, k) (Halide order
// (col, row)), computed in register tiles: two vectors of columns x up to 4
// (AVX2) or 8 rows of accumulators through the whole reduction, rows of
// tiles in parallel. The sum runs over k in order, so runs repeat bit for bit.
hl::Func tiled_product(const LoweringContext& ctx, std::string_view name, int rows, int cols,
                       int depth,
                       const std::function<hl::Expr(hl::Expr, hl::Expr, hl::Expr)>& term) {
  hl::Var col("col"), row("row"), colo("colo"), rowo("rowo"), cv("cv");
  hl::RDom k(0, depth);
  hl::Func acc = ctx.func(std::string(name) + "_acc");
  acc(col, row) = 0.0f;
  acc(col, row) += term(row, col, k);
  hl::Func tiles = ctx.func(std::string(name) + "_tiles");
  tiles(col, row) = acc(col, row);
  const int v = std::min(ctx.vector_width, cols);
  const int tile_cols = cols >= 2 * v ? 2 * v : v;
  const int tile_rows = std::min(rows, ctx.registers >= 32 ? 8 : 4);
  tiles.compute_root()
      .split(col, colo, col, tile_cols, hl::TailStrategy::ShiftInwards)
      .split(row, rowo, row, tile_rows, hl::TailStrategy::ShiftInwards)
      .reorder(col, row, colo, rowo)
      .vectorize(col, v)
      .unroll(row)
      .parallel(rowo);
  acc.compute_at(tiles, colo).vectorize(col, v).unroll(row);
  acc.update()
      .split(col, cv, col, v)
      .reorder(col, cv, row, k)
      .vectorize(col)
      .unroll(cv)
      .unroll(row);
  return tiles;
}

// dx[n, f] = sum_u dy[n, u] W[u, f]
hl::Func dense_grad_input(const ir::Node&, std::span<const hl::Func> in, LoweringContext& ctx) {
  const ir::Shape& dy = ctx.input(0);
  hl::Func p = tiled_product(ctx, "dense_grad_input", to_int(dy[0]), to_int(ctx.output_shape[1]),
                             to_int(dy[1]), [&](hl::Expr n, hl::Expr f, hl::Expr u) {
                               return read(in[0], {n, u}) * read(in[1], {u, f});
                             });
  auto v = make_vars(2);
  hl::Func out = ctx.func("dense_grad_input");
  define(out, v, read(p, as_exprs(v)));
  return out;
}

// dW[u, f] = sum_n dy[n, u] x[n, f]
hl::Func dense_grad_weight(const ir::Node&, std::span<const hl::Func> in, LoweringContext& ctx) {
  const ir::Shape& dy = ctx.input(0);
  hl::Func p = tiled_product(ctx, "dense_grad_weight", to_int(dy[1]), to_int(ctx.output_shape[1]),
                             to_int(dy[0]), [&](hl::Expr u, hl::Expr f, hl::Expr n) {
                               return read(in[0], {n, u}) * read(in[1], {n, f});
                             });
  auto v = make_vars(2);
  hl::Func out = ctx.func("dense_grad_weight");
  define(out, v, read(p, as_exprs(v)));
  return out;
}

// Every axis but 1 summed (a bias gradient). Rows are summed a vector of
// columns at a time into per-lane partial sums for each item (zeros past
// the row's end), the items in parallel; then lanes and items are summed in
// a fixed order, so runs repeat bit for bit.
hl::Func sum_to_channels(const ir::Node&, std::span<const hl::Func> in, LoweringContext& ctx) {
  const ir::Shape& x = ctx.input(0);
  const size_t rank = x.rank();
  const int kLanes = ctx.vector_width;
  hl::Var lane("lane"), c("c"), n("n");
  hl::Func partial = ctx.func("sum_to_channels_partial");
  if (rank == 2) {  // [N, C]: the items summed in order, channels in the vector lanes
    hl::RDom items(0, to_int(x[0]));
    hl::Func out = ctx.func("sum_to_channels");
    out(c) = hl::sum(read(in[0], {items, c}));
    return out;
  }
  {
    // Reduced: column vectors (innermost), then the other spatial axes.
    const int cols = to_int(x[rank - 1]);
    hl::Region region{{0, (cols + kLanes - 1) / kLanes}};
    for (size_t d = rank - 1; d-- > 2;) region.push_back({0, to_int(x[d])});
    hl::RDom r(region);
    hl::Func row = pad_constant(in[0], x, 0.0f, rank - 1);
    std::vector<hl::Expr> at{n, c};
    for (size_t d = 2; d + 1 < rank; ++d) at.push_back(r[static_cast<int>(rank - 1 - d)]);
    at.push_back(r[0] * kLanes + lane);
    partial(lane, c, n) = 0.0f;
    partial(lane, c, n) += read(row, at);
    std::vector<hl::VarOrRVar> order{lane};
    for (int i = 0; i < r.dimensions(); ++i) order.push_back(r[i]);
    partial.update().reorder(order).vectorize(lane).parallel(n);
  }
  partial.compute_root().vectorize(lane, kLanes);
  hl::RDom s(hl::Region{{0, kLanes}, {0, to_int(x[0])}});
  hl::Func out = ctx.func("sum_to_channels");
  out(c) = hl::sum(partial(s[0], c, s[1]));
  return out;
}

hl::Func reshape_like(const ir::Node&, std::span<const hl::Func> in, LoweringContext& ctx) {
  auto v = make_vars(ctx.output_shape.rank());
  hl::Func out = ctx.func("reshape_like");
  define(out, v, read_row_major(in[0], ctx.input(0), ctx.output_shape, as_exprs(v)));
  return out;
}

// (softmax(logits) - onehot(label)) * dloss / N
hl::Func softmax_cross_entropy_grad(const ir::Node&, std::span<const hl::Func> in,
                                    LoweringContext& ctx) {
  const ir::Shape& logits = ctx.input(0);
  const int batch = to_int(logits[0]), classes = to_int(logits[1]);
  hl::Var n("n"), k("k");
  hl::RDom r(0, classes);
  hl::Func max = ctx.func("max"), sum = ctx.func("sum");
  max(n) = hl::maximum(read(in[0], {n, r}));
  sum(n) = hl::sum(hl::exp(read(in[0], {n, r}) - max(n)));
  max.compute_root();
  sum.compute_root();
  hl::Expr label = read(in[1], {n});
  hl::Expr p = hl::exp(read(in[0], {n, k}) - max(n)) / sum(n);
  hl::Expr scale = read(in[2], {0}) / static_cast<float>(batch);
  hl::Func out = ctx.func("softmax_cross_entropy_grad");
  define(out, {n, k}, (p - hl::select(hl::cast<float>(k) == label, 1.0f, 0.0f)) * scale);
  return out;
}

hl::Func mse_loss_grad(const ir::Node&, std::span<const hl::Func> in, LoweringContext& ctx) {
  auto v = make_vars(ctx.output_shape.rank());
  const float scale = 2.0f / static_cast<float>(ctx.output_shape.elements());
  hl::Func out = ctx.func("mse_loss_grad");
  define(out, v,
         (read(in[0], as_exprs(v)) - read(in[1], as_exprs(v))) * (read(in[2], {0}) * scale));
  return out;
}

// softmax: y (dy - sum(dy y)); log_softmax: dy - exp(y) sum(dy), along the axis.
hl::Func softmax_grad(const ir::Node& node, std::span<const hl::Func> in, LoweringContext& ctx) {
  const ir::Shape& shape = ctx.output_shape;
  const size_t axis = ir::normalize_axis(node.attrs.get_int("axis"), shape, "softmax_grad");
  const bool log = node.attrs.get_bool("log");
  auto v = make_vars(shape.rank());
  hl::RDom r(0, to_int(shape[axis]));
  std::vector<hl::Expr> along = as_exprs(v);
  along[axis] = r;
  std::vector<hl::Var> rest = v;
  rest.erase(rest.begin() + static_cast<std::ptrdiff_t>(axis));
  hl::Func total = ctx.func("total");
  define(total, rest, hl::sum(log ? read(in[1], along) : read(in[1], along) * read(in[0], along)));
  total.compute_root();
  hl::Expr t = read(total, as_exprs(rest));
  hl::Expr y = read(in[0], as_exprs(v)), dy = read(in[1], as_exprs(v));
  hl::Func out = ctx.func("softmax_grad");
  define(out, v, log ? dy - hl::exp(y) * t : y * (dy - t));
  return out;
}

hl::Func slice(const ir::Node& node, std::span<const hl::Func> in, LoweringContext& ctx) {
  const size_t axis = ir::normalize_axis(node.attrs.get_int("axis"), ctx.input(0), "slice");
  auto v = make_vars(ctx.output_shape.rank());
  std::vector<hl::Expr> at = as_exprs(v);
  at[axis] = at[axis] + to_int(node.attrs.get_int("start"));
  hl::Func out = ctx.func("slice");
  define(out, v, read(in[0], at));
  return out;
}

// Summed over the dims `like` has as 1 (or lacks), numpy's broadcasting undone.
hl::Func sum_to_shape(const ir::Node&, std::span<const hl::Func> in, LoweringContext& ctx) {
  const ir::Shape &x = ctx.input(0), &like = ctx.output_shape;
  const size_t lead = x.rank() - like.rank();
  hl::Region summed;
  std::vector<size_t> summed_dims;
  for (size_t d = 0; d < x.rank(); ++d)
    if ((d < lead || like[d - lead] == 1) && x[d] != 1) {
      summed.push_back({0, to_int(x[d])});
      summed_dims.push_back(d);
    }
  auto v = make_vars(like.rank());
  hl::Func out = ctx.func("sum_to_shape");
  if (summed.empty()) {
    std::vector<hl::Expr> at;
    for (size_t d = 0; d < x.rank(); ++d)
      at.push_back(d < lead ? hl::Expr(0) : hl::Expr(v[d - lead]));
    define(out, v, read(in[0], at));
    return out;
  }
  hl::RDom r(summed);
  std::vector<hl::Expr> at;
  size_t next = 0;
  for (size_t d = 0; d < x.rank(); ++d) {
    if (next < summed_dims.size() && summed_dims[next] == d)
      at.push_back(r[static_cast<int>(next++)]);
    else
      at.push_back(d < lead || like[d - lead] == 1 ? hl::Expr(0) : hl::Expr(v[d - lead]));
  }
  define(out, v, hl::sum(read(in[0], at)));
  return out;
}

}  // namespace

void register_grad_halide(LoweringTable& table) {
  table.add("activation_grad", activation_grad);
  table.add("dense_grad_input", dense_grad_input);
  table.add("dense_grad_weight", dense_grad_weight);
  table.add("sum_to_channels", sum_to_channels);
  table.add("reshape_like", reshape_like);
  table.add("softmax_cross_entropy_grad", softmax_cross_entropy_grad);
  table.add("mse_loss_grad", mse_loss_grad);
  table.add("softmax_grad", softmax_grad);
  table.add("slice", slice);
  table.add("sum_to_shape", sum_to_shape);
}

}  // namespace cnnc::backends::halide
