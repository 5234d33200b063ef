// dropout: the identity at inference. Training (training=true, the step
// counter as input 1): each element kept with probability 1 - rate by the
// counter-based mask of ir/ops/dropout_mask.h, keyed by (seed, step, the
// layer name's stream), bit for bit the reference's (ops/dropout_mask_expr.h),
// and scaled by 1 / (1 - rate).
#include "backends/halide/lowering_table.h"
#include "backends/halide/nchw.h"
#include "backends/halide/ops/dropout_mask_expr.h"
#include "ir/ops/dropout_mask.h"

namespace cnnc::backends::halide {

void register_dropout_halide(LoweringTable& table) {
  table.add(
      "dropout", [](const ir::Node& node, std::span<const Halide::Func> in, LoweringContext& ctx) {
        auto v = make_vars(ctx.output_shape.rank());
        Halide::Func out = ctx.func("dropout");
        const Halide::Expr x = read(in[0], as_exprs(v));
        if (!(node.attrs.has("training") && node.attrs.get_bool("training"))) {
          define(out, v, x);
          return out;
        }
        if (in.size() < 2)
          throw std::runtime_error("dropout with training=true needs the step counter as input 1");
        const double rate = node.attrs.get_float("rate");
        const auto seed =
            static_cast<uint64_t>(node.attrs.has("seed") ? node.attrs.get_int("seed") : 0);
        const auto stream = static_cast<uint64_t>(ir::dropout_mask::stream_of(node.name));
        const Halide::Func key = dropout_mask_expr::key(ctx, in[1], seed, stream);
        define(out, v,
               dropout_mask_expr::apply(
                   dropout_mask_expr::keep(key, ctx.output_shape, as_exprs(v), rate), x, rate));
        return out;
      });
}

}  // namespace cnnc::backends::halide
