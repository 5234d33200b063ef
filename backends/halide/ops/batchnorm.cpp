// batchnorm (inference): (x - mean[c]) * (weight[c] / sqrt(var[c] + eps)) + bias[c].
#include "backends/halide/lowering_table.h"
#include "backends/halide/nchw.h"

namespace cnnc::backends::halide {

namespace {

namespace hl = Halide;

hl::Func lower_batchnorm(const ir::Node& node, std::span<const hl::Func> in, LoweringContext& ctx) {
  if (node.attrs.has("training") && node.attrs.get_bool("training"))
    throw std::runtime_error("layer '" + node.name +
                             "': batchnorm in training mode has no Halide lowering yet; train on "
                             "the reference backend");
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
