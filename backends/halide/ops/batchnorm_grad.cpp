// batchnorm's backward and running-statistics ops (ir/ops/batchnorm_grad.cpp),
// as the reference kernels compute them. Training: with m elements per
// channel, the batch's mean and biased variance, inv_std = 1 / sqrt(var +
// eps), d = x - mean and S = sum(dy d),
//   dx = weight inv_std (dy - sum(dy) / m - d inv_std^2 S / m)
//   d weight = S inv_std
// inference: the running statistics are constants, so dx = weight inv_std dy
// and d weight = sum(dy (x - running_mean)) inv_std. The running averages
// blend the old value with the batch's mean or unbiased variance.
// Per-channel sums in a fixed order (ops/batchnorm_stats.h); per-channel
// factors in double, per-element arithmetic in float.
#include <fmt/format.h>

#include <stdexcept>

#include "backends/halide/lowering_table.h"
#include "backends/halide/nchw.h"
#include "backends/halide/ops/batchnorm_stats.h"

namespace cnnc::backends::halide {

namespace {

namespace hl = Halide;
using batchnorm_stats::channel_sums;
using Exprs = std::vector<hl::Expr>;

// A double constant (a plain double would become a float Expr).
hl::Expr f64(double v) {
  return hl::Expr(v);
}

bool training(const ir::Node& node) {
  return node.attrs.has("training") && node.attrs.get_bool("training");
}

// Inputs x, dy, weight, running_var.
hl::Func grad_input(const ir::Node& node, std::span<const hl::Func> in, LoweringContext& ctx) {
  const ir::Shape& x = ctx.input(0);
  const double eps = node.attrs.get_float("eps");
  const double m = static_cast<double>(batchnorm_stats::count_per_channel(x));
  hl::Var c("c");
  auto v = make_vars(ctx.output_shape.rank());
  const hl::Expr ch = v[1];
  const hl::Expr dy = read(in[1], as_exprs(v));
  hl::Func out = ctx.func("batchnorm_grad_input");
  if (!training(node)) {
    hl::Func g = ctx.func("gain");
    g(c) = hl::cast<float>(hl::cast<double>(read(in[2], {c})) /
                           hl::sqrt(hl::cast<double>(read(in[3], {c})) + f64(eps)));
    g.compute_root();
    define(out, v, g(ch) * dy);
    return out;
  }
  hl::Func mean = batchnorm_stats::batch_mean(ctx, in[0], x);
  // Per channel: sum(d^2) (the variance), sum(dy), sum(dy d).
  hl::Func sums = channel_sums(ctx, "grad_sums", x, [&](const Exprs& at) -> Exprs {
    hl::Expr d = read(in[0], at) - mean(at[1]), g = read(in[1], at);
    return {d * d, g, g * d};
  });
  // dx = a dy - b - d k with a = weight inv_std, b = a sum(dy) / m and
  // k = a inv_std^2 S / m.
  hl::Expr inv_std = f64(1.0) / hl::sqrt(sums(c)[0] / f64(m) + f64(eps));
  hl::Expr a = hl::cast<double>(read(in[2], {c})) * inv_std;
  hl::Func coef = ctx.func("coefficients");
  coef(c) = hl::Tuple(hl::cast<float>(a), hl::cast<float>(a * sums(c)[1] / f64(m)),
                      hl::cast<float>(a * inv_std * inv_std * sums(c)[2] / f64(m)));
  coef.compute_root();
  define(out, v,
         coef(ch)[0] * dy - coef(ch)[1] - (read(in[0], as_exprs(v)) - mean(ch)) * coef(ch)[2]);
  return out;
}

// Inputs x, dy, running_mean, running_var.
hl::Func grad_weight(const ir::Node& node, std::span<const hl::Func> in, LoweringContext& ctx) {
  const ir::Shape& x = ctx.input(0);
  const double eps = node.attrs.get_float("eps");
  const double m = static_cast<double>(batchnorm_stats::count_per_channel(x));
  hl::Var c("c");
  hl::Func out = ctx.func("batchnorm_grad_weight");
  if (!training(node)) {
    hl::Func s = channel_sums(ctx, "grad_sum", x, [&](const Exprs& at) -> Exprs {
      return {read(in[1], at) * (read(in[0], at) - read(in[2], {at[1]}))};
    });
    out(c) = hl::cast<float>(s(c) / hl::sqrt(hl::cast<double>(read(in[3], {c})) + f64(eps)));
    return out;
  }
  hl::Func mean = batchnorm_stats::batch_mean(ctx, in[0], x);
  hl::Func sums = channel_sums(ctx, "grad_sums", x, [&](const Exprs& at) -> Exprs {
    hl::Expr d = read(in[0], at) - mean(at[1]);
    return {d * d, read(in[1], at) * d};
  });
  out(c) = hl::cast<float>(sums(c)[1] / hl::sqrt(sums(c)[0] / f64(m) + f64(eps)));
  return out;
}

// Inputs x, the old running statistic; `var`: the variance, else the mean.
hl::Func running_stat(const ir::Node& node, std::span<const hl::Func> in, LoweringContext& ctx,
                      bool var) {
  const ir::Shape& x = ctx.input(0);
  const int64_t count = batchnorm_stats::count_per_channel(x);
  if (var && count < 2)
    throw std::runtime_error(fmt::format(
        "layer '{}': batchnorm in training needs more than one value per channel to estimate the "
        "variance, got {} (batch {}); use a larger batch",
        node.name, count, x[0]));
  const double m = static_cast<double>(count), momentum = node.attrs.get_float("momentum");
  hl::Var c("c");
  hl::Expr batch_value;
  if (var) {
    hl::Func mean = batchnorm_stats::batch_mean(ctx, in[0], x);
    hl::Func squares = channel_sums(ctx, "batch_squares", x, [&](const Exprs& at) -> Exprs {
      hl::Expr d = read(in[0], at) - mean(at[1]);
      return {d * d};
    });
    batch_value = squares(c) / f64(m) * f64(m) / f64(m - 1.0);
  } else {
    hl::Func sum = channel_sums(ctx, "batch_sum", x,
                                [&](const Exprs& at) -> Exprs { return {read(in[0], at)}; });
    batch_value = sum(c) / f64(m);
  }
  hl::Func out = ctx.func(var ? "batchnorm_running_var" : "batchnorm_running_mean");
  out(c) = hl::cast<float>(f64(1.0 - momentum) * hl::cast<double>(read(in[1], {c})) +
                           f64(momentum) * batch_value);
  return out;
}

}  // namespace

void register_batchnorm_grad_halide(LoweringTable& table) {
  table.add("batchnorm_grad_input", grad_input);
  table.add("batchnorm_grad_weight", grad_weight);
  table.add("batchnorm_running_mean",
            [](const ir::Node& node, std::span<const hl::Func> in, LoweringContext& ctx) {
              return running_stat(node, in, ctx, false);
            });
  table.add("batchnorm_running_var",
            [](const ir::Node& node, std::span<const hl::Func> in, LoweringContext& ctx) {
              return running_stat(node, in, ctx, true);
            });
}

}  // namespace cnnc::backends::halide
