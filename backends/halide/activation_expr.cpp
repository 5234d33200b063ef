#include "backends/halide/activation_expr.h"

#include <stdexcept>
#include <string>

namespace cnnc::backends::halide {

namespace hl = Halide;

hl::Expr activation_expr(std::string_view name, float alpha, const hl::Expr& x) {
  const hl::Expr zero = 0.0f;
  if (name == "none") return x;
  if (name == "relu") return hl::max(x, zero);
  if (name == "relu6") return hl::clamp(x, zero, 6.0f);
  if (name == "leaky_relu") return hl::select(x > zero, x, alpha * x);
  if (name == "tanh") return hl::tanh(x);
  if (name == "sigmoid") return 1.0f / (1.0f + hl::exp(-x));
  if (name == "elu") return hl::select(x > zero, x, alpha * (hl::exp(x) - 1.0f));
  throw std::invalid_argument("unknown activation '" + std::string(name) + "'");
}

hl::Expr layer_activation(const ir::AttrMap& attrs, const hl::Expr& x) {
  if (!attrs.has("act")) return x;
  const std::string& name = attrs.get_ident("act");
  double alpha = attrs.has("act_alpha") ? attrs.get_float("act_alpha") : 0.0;
  if (alpha == 0.0) alpha = name == "leaky_relu" ? 0.01 : 1.0;
  return activation_expr(name, static_cast<float>(alpha), x);
}

hl::Expr layer_activation_derivative(const ir::AttrMap& attrs, const hl::Expr& y) {
  const std::string name = attrs.has("act") ? attrs.get_ident("act") : "none";
  double alpha = attrs.has("act_alpha") ? attrs.get_float("act_alpha") : 0.0;
  if (alpha == 0.0) alpha = name == "leaky_relu" ? 0.01 : 1.0;
  const hl::Expr zero = 0.0f, one = 1.0f;
  if (name == "none") return one;
  if (name == "relu") return hl::select(y > zero, one, zero);
  if (name == "relu6") return hl::select(y > zero && y < 6.0f, one, zero);
  if (name == "leaky_relu") return hl::select(y > zero, one, static_cast<float>(alpha));
  if (name == "tanh") return one - y * y;
  if (name == "sigmoid") return y * (one - y);
  if (name == "elu") return hl::select(y > zero, one, y + static_cast<float>(alpha));
  throw std::invalid_argument("unknown activation '" + name + "'");
}

}  // namespace cnnc::backends::halide
