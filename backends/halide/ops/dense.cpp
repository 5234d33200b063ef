// dense: y[n, u] = act(b[u] + sum_f x[n, f] * W[u, f]).
#include "backends/halide/activation_expr.h"
#include "backends/halide/lowering_table.h"
#include "backends/halide/nchw.h"

namespace cnnc::backends::halide {

namespace {

namespace hl = Halide;

hl::Func lower_dense(const ir::Node& node, std::span<const hl::Func> in, LoweringContext& ctx) {
  auto v = make_vars(2);  // n, unit
  hl::RDom f(0, to_int(ctx.input(0)[1]));
  hl::Func acc = ctx.func("dense_acc");
  define(acc, v, in.size() > 2 ? read(in[2], {v[1]}) : hl::Expr(0.0f));
  accumulate(acc, as_exprs(v), read(in[0], {v[0], f}) * read(in[1], {v[1], f}));
  ctx.anchor = Anchor{.accumulator = acc, .reduction = f};
  hl::Func out = ctx.func("dense");
  define(out, v, layer_activation(node.attrs, read(acc, as_exprs(v))));
  return out;
}

}  // namespace

void register_dense_halide(LoweringTable& table) {
  table.add("dense", lower_dense);
}

}  // namespace cnnc::backends::halide
