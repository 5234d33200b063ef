// batchnorm. Inference: (x - mean[c]) * (weight[c] / sqrt(var[c] + eps)) +
// bias[c] from the running statistics. Training (training=true): the same
// affine with the batch's mean and biased variance over the batch and
// spatial axes of each channel, as the reference kernel computes them (two
// passes: the mean, then the squared deviations from it), summed in a fixed
// order (ops/batchnorm_stats.h); the per-channel factors are formed in
// double, the per-element affine in float.
#include "backends/halide/lowering_table.h"
#include "backends/halide/nchw.h"
#include "backends/halide/ops/batchnorm_stats.h"

namespace cnnc::backends::halide {

namespace {

namespace hl = Halide;

hl::Func lower_training(const ir::Node& node, std::span<const hl::Func> in, LoweringContext& ctx) {
  const ir::Shape& x = ctx.input(0);
  const double m = static_cast<double>(batchnorm_stats::count_per_channel(x));
  const double eps = node.attrs.get_float("eps");
  hl::Var c("c");
  hl::Func mean = batchnorm_stats::batch_mean(ctx, in[0], x);
  hl::Func squares = batchnorm_stats::channel_sums(
      ctx, "batch_squares", x, [&](const std::vector<hl::Expr>& at) -> std::vector<hl::Expr> {
        hl::Expr d = read(in[0], at) - mean(at[1]);
        return {d * d};
      });
  // The factor applied to x - mean: weight / sqrt(var + eps).
  hl::Func scale = ctx.func("batch_scale");
  scale(c) = hl::cast<float>(hl::cast<double>(read(in[1], {c})) /
                             hl::sqrt(squares(c) / hl::Expr(m) + hl::Expr(eps)));
  scale.compute_root();
  auto v = make_vars(ctx.output_shape.rank());
  hl::Expr ch = v[1];
  hl::Func out = ctx.func("batchnorm");
  define(out, v, (read(in[0], as_exprs(v)) - mean(ch)) * scale(ch) + read(in[2], {ch}));
  return out;
}

hl::Func lower_batchnorm(const ir::Node& node, std::span<const hl::Func> in, LoweringContext& ctx) {
  if (node.attrs.has("training") && node.attrs.get_bool("training"))
    return lower_training(node, in, ctx);
  auto v = make_vars(ctx.output_shape.rank());
  const float eps = static_cast<float>(node.attrs.get_float("eps"));
  hl::Expr c = v[1];
  hl::Expr weight = read(in[1], {c}), bias = read(in[2], {c}), mean = read(in[3], {c}),
           var = read(in[4], {c});
  hl::Func out = ctx.func("batchnorm");
  define(out, v, (read(in[0], as_exprs(v)) - mean) * (weight / hl::sqrt(var + eps)) + bias);
  return out;
}

}  // namespace

void register_batchnorm_halide(LoweringTable& table) {
  table.add("batchnorm", lower_batchnorm);
}

}  // namespace cnnc::backends::halide
