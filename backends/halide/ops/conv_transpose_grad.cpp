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
// dW reduces x * dy over the batch and the input positions: the same code
// as conv_grad_weight with the roles of x and dy exchanged
// (backends/halide/ops/weight_gradient.h): partial sums
// per vector lane (or per vector of input channels) and per batch chunk,
// the chunk count depending only on the batch size, summed in a fixed order
// at the end, so a run repeats bit for bit whatever the thread count.
#include <algorithm>

#include "backends/halide/lowering_table.h"
#include "backends/halide/nchw.h"
#include "backends/halide/ops/weight_gradient.h"
#include "backends/halide/schedule_templates.h"
#include "ir/ops/window.h"

namespace cnnc::backends::halide {

namespace {

namespace hl = Halide;

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

// dW[c, k, taps] = the sum over items and x's positions of x[c] dy[k] at the
// tap: the convolution's weight gradient with x and dy in each other's roles.
hl::Func conv_transpose_grad_weight(const ir::Node& node, std::span<const hl::Func> in,
                                    LoweringContext& ctx) {
  return weight_gradient({.window = ir::read_window(node.attrs, ctx.input(1)),
                          .groups = to_int(node.attrs.get_int("groups")),
                          .reduced = in[1],
                          .reduced_shape = ctx.input(1),
                          .windowed = in[0],
                          .windowed_shape = ctx.input(0)},
                         ctx);
}

}  // namespace

void register_conv_transpose_grad_halide(LoweringTable& table) {
  table.add("conv_transpose_grad_input", conv_transpose_grad_input);
  table.add("conv_transpose_grad_weight", conv_transpose_grad_weight);
}

}  // namespace cnnc::backends::halide
