// local2d: conv's gather with the weight chosen by output position.
// Weight [OH, OW, K, C, R, S], bias [K, OH, OW].
#include "backends/halide/activation_expr.h"
#include "backends/halide/lowering_table.h"
#include "backends/halide/nchw.h"
#include "ir/ops/window.h"

namespace cnnc::backends::halide {

namespace {

namespace hl = Halide;

hl::Func lower_local(const ir::Node& node, std::span<const hl::Func> in, LoweringContext& ctx) {
  const ir::Shape& xs = ctx.input(0);
  const ir::Window w = ir::read_window(node.attrs, xs);
  hl::Func x = pad_constant(in[0], xs, 0.0f);
  hl::Var n("n"), k("k"), oh("oh"), ow("ow");
  hl::RDom r(0, to_int(xs[1]), 0, to_int(w.kernel[0]), 0, to_int(w.kernel[1]));
  hl::Expr ih = oh * to_int(w.stride[0]) - to_int(w.pad_begin[0]) + r[1];
  hl::Expr iw = ow * to_int(w.stride[1]) - to_int(w.pad_begin[1]) + r[2];
  hl::Expr acc = hl::sum(read(x, {n, r[0], ih, iw}) * read(in[1], {oh, ow, k, r[0], r[1], r[2]}));
  if (in.size() > 2) acc = read(in[2], {k, oh, ow}) + acc;
  hl::Func out = ctx.func("local");
  define(out, {n, k, oh, ow}, layer_activation(node.attrs, acc));
  return out;
}

}  // namespace

void register_local_halide(LoweringTable& table) {
  table.add("local2d", lower_local);
}

}  // namespace cnnc::backends::halide
