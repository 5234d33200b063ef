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
  hl::Expr acc = hl::sum(read(in[0], {v[0], f}) * read(in[1], {v[1], f}));
  if (in.size() > 2) acc = read(in[2], {v[1]}) + acc;
  hl::Func out = ctx.func("dense");
  define(out, v, layer_activation(node.attrs, acc));
  return out;
}

}  // namespace

void register_dense_halide(LoweringTable& table) {
  table.add("dense", lower_dense);
}

}  // namespace cnnc::backends::halide
