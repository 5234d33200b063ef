// pool_grad (ir/ops/pool_grad.cpp) in gather form: each input position
// sums over the kernel taps that could have read it, from the output
// position that tap implies (when the stride divides). Max pooling first
// finds each window's argmax with the taps scanned in the reference's
// order (last axis fastest), so ties go to the same input; average pooling
// divides by the forward's divisor; L2 pooling scales by x / y.
#include <limits>
#include <optional>

#include "backends/halide/activation_expr.h"
#include "backends/halide/lowering_table.h"
#include "backends/halide/nchw.h"
#include "backends/halide/schedule_templates.h"
#include "ir/ops/window.h"

namespace cnnc::backends::halide {

namespace {

namespace hl = Halide;

// Halide's RDom runs its first dimension innermost; the reference's window
// loops run the last spatial axis innermost. Tap `a` of axis a is r[rank-1-a].
hl::RDom taps_last_axis_fastest(const ir::Window& w) {
  hl::Region region;
  for (size_t a = w.rank(); a-- > 0;) region.push_back({0, to_int(w.kernel[a])});
  return hl::RDom(region);
}

hl::Expr tap(const hl::RDom& r, size_t rank, size_t a) {
  return r[static_cast<int>(rank - 1 - a)];
}

hl::Func lower_pool_grad(const ir::Node& node, std::span<const hl::Func> in, LoweringContext& ctx) {
  const ir::Shape &xs = ctx.input(0), &ys = ctx.input(1);
  const ir::Window w = ir::read_window(node.attrs, xs, /*default_stride=*/0);
  const size_t rank = w.rank();
  const std::string pool = node.attrs.get_ident("pool");
  const bool include_pad = node.attrs.get_bool("count_include_pad");

  auto o = make_vars(rank + 2);  // n, c, output spatial...
  // The forward's window at output position o.
  auto window_start = [&](const std::vector<hl::Expr>& at, size_t a) {
    return at[2 + a] * to_int(w.stride[a]) - to_int(w.pad_begin[a]);
  };

  hl::Func per_output = ctx.func("pool_grad_share");  // what each output sends back
  hl::Func argmax = ctx.func("pool_grad_argmax");
  if (pool == "max") {
    hl::Func x = pad_constant(in[0], xs, -std::numeric_limits<float>::infinity());
    hl::RDom r = taps_last_axis_fastest(w);
    std::vector<hl::Expr> xi{o[0], o[1]};
    for (size_t a = 0; a < rank; ++a)
      xi.push_back(window_start(as_exprs(o), a) + tap(r, rank, a) * to_int(w.dilation[a]));
    // argmax gives the winning tap's coordinates in RDom order (then the
    // value); they are folded into one linear tap index in IR axis order.
    hl::Func winner = ctx.func("pool_grad_winner");
    std::vector<hl::Var> halide_order(o.rbegin(), o.rend());  // tuples bypass nchw.h
    winner(halide_order) = hl::argmax(r, read(x, xi));
    compute_root_plain(winner, ys, ctx.vector_width);
    hl::Expr index = 0;
    for (size_t a = 0; a < rank; ++a)
      index = index * to_int(w.kernel[a]) + winner(halide_order)[static_cast<int>(rank - 1 - a)];
    define(argmax, o, index);
    define(per_output, o, read(in[2], as_exprs(o)));
  } else if (pool == "avg") {
    hl::Expr divisor = 1;
    for (size_t a = 0; a < rank; ++a) {
      hl::Expr start = window_start(as_exprs(o), a);
      hl::Expr end = start + to_int(w.kernel[a]);
      divisor *= include_pad ? hl::min(end, to_int(xs[2 + a] + w.pad_end[a])) - start
                             : hl::min(end, to_int(xs[2 + a])) - hl::max(start, 0);
    }
    define(per_output, o, read(in[2], as_exprs(o)) / hl::cast<float>(hl::max(divisor, 1)));
  } else {  // l2: dy / y, and 0 where y is 0 (the subgradient the reference takes)
    hl::Expr y = read(in[1], as_exprs(o));
    define(per_output, o, hl::select(y == 0.0f, 0.0f, read(in[2], as_exprs(o)) / y));
  }

  auto v = make_vars(rank + 2);  // n, c, input spatial...
  // Windows that tile the input (stride = kernel, no padding or dilation):
  // each input lies in at most one window, found by division.
  bool tiles = true;
  for (size_t a = 0; a < rank; ++a)
    tiles = tiles && w.stride[a] == w.kernel[a] && w.dilation[a] == 1 && w.pad_begin[a] == 0;

  hl::Expr valid = hl::Internal::const_true();
  hl::Expr linear_tap = 0;
  std::vector<hl::Expr> at{v[0], v[1]};
  std::optional<hl::RDom> q;
  if (!tiles) q = taps_last_axis_fastest(w);
  for (size_t a = 0; a < rank; ++a) {
    const int stride = to_int(w.stride[a]), kernel = to_int(w.kernel[a]);
    hl::Expr out, tap_a;
    if (tiles) {
      out = v[2 + a] / kernel;
      tap_a = v[2 + a] % kernel;
    } else {
      tap_a = tap(*q, rank, a);
      hl::Expr numer = v[2 + a] + to_int(w.pad_begin[a]) - tap_a * to_int(w.dilation[a]);
      out = numer / stride;  // Euclidean: exact where the stride divides
      valid = valid && numer % stride == 0 && out >= 0;
    }
    valid = valid && out < to_int(ys[2 + a]);
    at.push_back(hl::clamp(out, 0, to_int(ys[2 + a]) - 1));
    linear_tap = linear_tap * kernel + tap_a;
  }
  hl::Expr share = read(per_output, at);
  if (pool == "max") valid = valid && read(argmax, at) == linear_tap;
  if (pool == "l2") share *= read(in[0], as_exprs(v));
  hl::Expr value = hl::select(valid, share, 0.0f);
  hl::Func out = ctx.func("pool_grad");
  define(out, v,
         (tiles ? value : hl::sum(value)) *
             layer_activation_derivative(node.attrs, read(in[0], as_exprs(v))));
  return out;
}

}  // namespace

void register_pool_grad_halide(LoweringTable& table) {
  table.add("pool_grad", lower_pool_grad);
}

}  // namespace cnnc::backends::halide
