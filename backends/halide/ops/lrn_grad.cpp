// lrn_grad (ir/ops/lrn_grad.cpp): with the forward's channel sums
//   s_c = k + alpha / size * sum_{c' in window(c)} x_c'^2,
//   dx_j = dy_j s_j^-beta - 2 alpha beta / size * x_j * sum_{c : j in window(c)} dy_c x_c
//   s_c^(-beta-1)
// for any rank with a channel axis (N, C, ...). Windows are clipped to the
// channels by reading zeros outside them, as the forward's (lrn.cpp).
// Two stages are materialized: s with s^-beta (one pow per element), and
// the per-channel terms dy_c x_c s_c^(-beta-1) that the second window sum
// reads `size` times.
#include "backends/halide/lowering_table.h"
#include "backends/halide/nchw.h"
#include "backends/halide/schedule_templates.h"

namespace cnnc::backends::halide {

namespace {

namespace hl = Halide;

hl::Func lower_lrn_grad(const ir::Node& node, std::span<const hl::Func> in, LoweringContext& ctx) {
  const ir::Shape& xs = ctx.input(0);
  const int64_t size = node.attrs.get_int("size");
  const double alpha = node.attrs.get_float("alpha"), beta = node.attrs.get_float("beta");
  const double scale = alpha / static_cast<double>(size);
  const float k = static_cast<float>(node.attrs.get_float("k"));
  auto v = make_vars(xs.rank());
  const hl::Expr x = read(in[0], as_exprs(v)), dy = read(in[1], as_exprs(v));

  // s over the forward's window of c: c - size/2 .. c + (size-1)/2.
  hl::Func padded_x = pad_constant(in[0], xs, 0.0f, /*first_dim=*/1);
  hl::RDom r(0, to_int(size));
  std::vector<hl::Expr> neighbour = as_exprs(v);
  neighbour[1] = v[1] - to_int(size / 2) + r;
  hl::Expr tap = read(padded_x, neighbour);
  // (s, s^-beta), one pow per element: s^(-beta-1) is s^-beta / s.
  hl::Func norm = ctx.func("lrn_grad_norm");
  const hl::Expr sum = k + static_cast<float>(scale) * hl::sum(tap * tap);
  std::vector<hl::Var> h(v.rbegin(), v.rend());  // tuples bypass nchw.h
  norm(h) = hl::Tuple(sum, hl::pow(sum, static_cast<float>(-beta)));
  compute_root_plain(norm, xs, ctx.vector_width);
  const hl::Expr s = norm(h)[0], s_pow = norm(h)[1];

  hl::Func term = ctx.func("lrn_grad_term");
  define(term, v, dy * x * (s_pow / s));
  compute_root_plain(term, xs, ctx.vector_width);

  // The channels whose window holds j: j - (size-1)/2 .. j + size/2.
  hl::Func padded_term = pad_constant(term, xs, 0.0f, /*first_dim=*/1);
  hl::RDom q(0, to_int(size));
  std::vector<hl::Expr> holder = as_exprs(v);
  holder[1] = v[1] - to_int((size - 1) / 2) + q;
  const float coefficient = static_cast<float>(2.0 * scale * beta);
  hl::Func out = ctx.func("lrn_grad");
  define(out, v, dy * s_pow - coefficient * x * hl::sum(read(padded_term, holder)));
  return out;
}

}  // namespace

void register_lrn_grad_halide(LoweringTable& table) {
  table.add("lrn_grad", lower_lrn_grad);
}

}  // namespace cnnc::backends::halide
