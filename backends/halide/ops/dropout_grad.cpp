// dropout_grad: dy through the forward's mask (ir/ops/dropout_mask.h),
// redrawn from the same seed, step and stream (the forward layer's, an
// attribute here), scaled by 1 / (1 - rate); bit for bit the reference's
// (ops/dropout_mask_expr.h).
#include "backends/halide/lowering_table.h"
#include "backends/halide/nchw.h"
#include "backends/halide/ops/dropout_mask_expr.h"

namespace cnnc::backends::halide {

void register_dropout_grad_halide(LoweringTable& table) {
  table.add("dropout_grad", [](const ir::Node& node, std::span<const Halide::Func> in,
                               LoweringContext& ctx) {
    const double rate = node.attrs.get_float("rate");
    const Halide::Func key =
        dropout_mask_expr::key(ctx, in[1], static_cast<uint64_t>(node.attrs.get_int("seed")),
                               static_cast<uint64_t>(node.attrs.get_int("stream")));
    auto v = make_vars(ctx.output_shape.rank());
    Halide::Func out = ctx.func("dropout_grad");
    define(
        out, v,
        dropout_mask_expr::apply(dropout_mask_expr::keep(key, ctx.output_shape, as_exprs(v), rate),
                                 read(in[0], as_exprs(v)), rate));
    return out;
  });
}

}  // namespace cnnc::backends::halide
