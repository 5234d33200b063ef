// softmax, log_softmax along one axis, stably: the maximum and the sum of
// exponentials are Funcs over the other dims, computed once each (inlined
// they would be recomputed for every element of the axis).
#include "backends/halide/lowering_table.h"
#include "backends/halide/nchw.h"
#include "ir/ops/axis.h"

namespace cnnc::backends::halide {

namespace {

namespace hl = Halide;

Lowering softmax(bool log) {
  return [log](const ir::Node& node, std::span<const hl::Func> in, LoweringContext& ctx) {
    const ir::Shape& xs = ctx.input(0);
    const size_t axis = ir::normalize_axis(node.attrs.get_int("axis"), xs, node.op);
    auto v = make_vars(xs.rank());
    std::vector<hl::Var> rest;  // every var but the axis
    for (size_t d = 0; d < v.size(); ++d)
      if (d != axis) rest.push_back(v[d]);
    hl::RDom r(0, to_int(xs[axis]));
    std::vector<hl::Expr> along = as_exprs(v);
    along[axis] = r;
    std::vector<hl::Expr> rest_exprs = as_exprs(rest);

    hl::Func max = ctx.func("max"), sum = ctx.func("sum"), out = ctx.func(node.op);
    define(max, rest, hl::maximum(read(in[0], along)));
    define(sum, rest, hl::sum(hl::exp(read(in[0], along) - read(max, rest_exprs))));
    hl::Expr shifted = read(in[0], as_exprs(v)) - read(max, rest_exprs);
    define(
        out, v,
        log ? shifted - hl::log(read(sum, rest_exprs)) : hl::exp(shifted) / read(sum, rest_exprs));
    max.compute_root();
    sum.compute_root();
    return out;
  };
}

}  // namespace

void register_softmax_halide(LoweringTable& table) {
  table.add("softmax", softmax(false));
  table.add("log_softmax", softmax(true));
}

}  // namespace cnnc::backends::halide
