// Optimizer updates (ir/ops/optimizer.cpp): elementwise over a parameter,
// with PyTorch's formulas as the reference kernels write them; the scalars
// (learning rate, step) are [1] inputs read once.
#include "backends/halide/lowering_table.h"
#include "backends/halide/nchw.h"

namespace cnnc::backends::halide {

namespace {

namespace hl = Halide;

struct Elementwise {
  std::vector<hl::Var> v;
  std::span<const hl::Func> in;
  hl::Expr at(size_t input) const { return read(in[input], as_exprs(v)); }
  hl::Expr scalar(size_t input) const { return read(in[input], {0}); }
};

hl::Func define_update(LoweringContext& ctx, const char* name, const Elementwise& e,
                       const hl::Expr& value) {
  hl::Func out = ctx.func(name);
  define(out, e.v, value);
  return out;
}

float attr(const ir::Node& node, const char* name) {
  return static_cast<float>(node.attrs.get_float(name));
}

hl::Func sgd_velocity(const ir::Node& node, std::span<const hl::Func> in, LoweringContext& ctx) {
  const Elementwise e{make_vars(ctx.output_shape.rank()), in};
  return define_update(
      ctx, "sgd_velocity", e,
      attr(node, "momentum") * e.at(0) + e.at(1) + attr(node, "weight_decay") * e.at(2));
}

hl::Func sgd_step(const ir::Node& node, std::span<const hl::Func> in, LoweringContext& ctx) {
  const Elementwise e{make_vars(ctx.output_shape.rank()), in};
  const float momentum = attr(node, "momentum");
  hl::Expr p = e.at(0), g = e.at(1) + attr(node, "weight_decay") * p;
  hl::Expr d = momentum == 0.0f                  ? g
               : node.attrs.get_bool("nesterov") ? g + momentum * e.at(2)
                                                 : e.at(2);
  return define_update(ctx, "sgd_step", e, p - e.scalar(3) * d);
}

hl::Func adam_moment(const ir::Node& node, std::span<const hl::Func> in, LoweringContext& ctx) {
  const Elementwise e{make_vars(ctx.output_shape.rank()), in};
  const float beta = attr(node, "beta");
  hl::Expr g = e.at(1) + attr(node, "weight_decay") * e.at(2);
  if (node.attrs.get_int("power") == 2) g = g * g;
  return define_update(ctx, "adam_moment", e, beta * e.at(0) + (1.0f - beta) * g);
}

hl::Func adam_step(const ir::Node& node, std::span<const hl::Func> in, LoweringContext& ctx) {
  const Elementwise e{make_vars(ctx.output_shape.rank()), in};
  hl::Expr lr = e.scalar(3), t = e.scalar(4);
  hl::Expr correction1 = 1.0f - hl::pow(attr(node, "beta1"), t);
  hl::Expr correction2 = 1.0f - hl::pow(attr(node, "beta2"), t);
  hl::Expr p = e.at(0) * (1.0f - lr * attr(node, "decoupled_weight_decay"));
  return define_update(
      ctx, "adam_step", e,
      p - lr * (e.at(1) / correction1) / (hl::sqrt(e.at(2) / correction2) + attr(node, "eps")));
}

}  // namespace

void register_optimizer_halide(LoweringTable& table) {
  table.add("sgd_velocity", sgd_velocity);
  table.add("sgd_step", sgd_step);
  table.add("adam_moment", adam_moment);
  table.add("adam_step", adam_step);
}

}  // namespace cnnc::backends::halide
