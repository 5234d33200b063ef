// Elementwise activations: relu, relu6, leaky_relu, tanh, sigmoid, elu. Any rank;
// the output has the input's shape. They count 0 MACs: like the usual FLOP
// counters, only multiply-accumulates of conv/dense-like ops are counted.
#include <fmt/format.h>

#include <cmath>

#include "ir/gradient.h"
#include "ir/op_registry.h"

namespace cnnc::ir {

namespace {

AttrSpec alpha_attr(double default_alpha, std::string doc) {
  return {.name = "alpha",
          .type = AttrType::Float,
          .default_value = default_alpha,
          .doc = std::move(doc),
          .check = [](const AttrValue& v) -> std::optional<std::string> {
            double a = std::get<double>(v);
            if (!std::isfinite(a) || a < 0) return fmt::format("must be a number >= 0, got {}", a);
            return std::nullopt;
          }};
}

OpDef activation_def(std::string name, std::string summary, std::vector<AttrSpec> attrs = {}) {
  OpDef def;
  def.name = std::move(name);
  def.summary = std::move(summary);
  def.kind = PatternKind::Elementwise;
  def.attrs = std::move(attrs);
  def.min_inputs = def.max_inputs = 1;
  def.infer = [](const OpContext& ctx) { return std::vector<Shape>{ctx.input(0)}; };
  def.macs = [](const OpContext&, std::span<const Shape>) -> int64_t { return 0; };
  // dx = activation_grad(y, dy), the derivative written with the output.
  def.gradient = [op = def.name](GradientContext& ctx) {
    AttrMap attrs;
    attrs.set("act", op);
    const AttrMap& mine = ctx.forward().attrs;
    attrs.set("act_alpha", mine.has("alpha") ? mine.get_float("alpha") : 0.0);
    return std::vector<std::optional<TensorRef>>{
        ctx.add("activation_grad", "input", {ctx.output, ctx.output_grad}, std::move(attrs))};
  };
  return def;
}

}  // namespace

void register_activation_ops(OpRegistry& registry) {
  registry.add(activation_def("relu", "rectified linear unit: max(x, 0)"));
  registry.add(activation_def("relu6", "ReLU clipped at 6: min(max(x, 0), 6), as MobileNet uses"));
  registry.add(activation_def("leaky_relu", "leaky ReLU: x for x > 0, alpha * x otherwise",
                              {alpha_attr(0.01, "slope for negative inputs")}));
  registry.add(activation_def("tanh", "hyperbolic tangent"));
  registry.add(activation_def("sigmoid", "logistic sigmoid: 1 / (1 + exp(-x))"));
  registry.add(
      activation_def("elu", "exponential linear unit: x for x > 0, alpha * (exp(x) - 1) otherwise",
                     {alpha_attr(1.0, "scale of the negative part")}));
}

}  // namespace cnnc::ir
