// The activations a layer applies to its own output (`act=` and `act_alpha=`
// on conv, dense, local and transposed conv). The standalone activation ops
// use the same functions, so a fused epilogue and a separate layer agree
// exactly.
#pragma once

#include <cmath>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>

#include "ir/attribute.h"

namespace cnnc::backends::reference {

enum class ActKind { None, Relu, Relu6, LeakyRelu, Tanh, Sigmoid, Elu };

struct Activation {
  ActKind kind = ActKind::None;
  float alpha = 0.0f;  // leaky_relu slope or elu scale; already defaulted

  float operator()(float x) const {
    switch (kind) {
      case ActKind::None:
        return x;
      case ActKind::Relu:
        return x > 0.0f ? x : 0.0f;
      case ActKind::Relu6:
        return x > 0.0f ? (x < 6.0f ? x : 6.0f) : 0.0f;
      case ActKind::LeakyRelu:
        return x > 0.0f ? x : alpha * x;
      case ActKind::Tanh:
        return std::tanh(x);
      case ActKind::Sigmoid:
        return 1.0f / (1.0f + std::exp(-x));
      case ActKind::Elu:
        return x > 0.0f ? x : alpha * std::expm1(x);
    }
    return x;
  }
};

// `alpha` 0 means the activation's default: 0.01 for leaky_relu, 1.0 for elu.
// Throws std::invalid_argument for a name that is not an activation.
inline Activation make_activation(std::string_view name, double alpha = 0.0) {
  Activation a;
  if (name == "none")
    a.kind = ActKind::None;
  else if (name == "relu")
    a.kind = ActKind::Relu;
  else if (name == "relu6")
    a.kind = ActKind::Relu6;
  else if (name == "leaky_relu")
    a.kind = ActKind::LeakyRelu, a.alpha = alpha != 0.0 ? float(alpha) : 0.01f;
  else if (name == "tanh")
    a.kind = ActKind::Tanh;
  else if (name == "sigmoid")
    a.kind = ActKind::Sigmoid;
  else if (name == "elu")
    a.kind = ActKind::Elu, a.alpha = alpha != 0.0 ? float(alpha) : 1.0f;
  else
    throw std::invalid_argument("unknown activation '" + std::string(name) + "'");
  return a;
}

// The `act` / `act_alpha` attributes of a node; absent means none.
inline Activation activation_from_attrs(const ir::AttrMap& attrs) {
  if (!attrs.has("act")) return {};
  return make_activation(attrs.get_ident("act"),
                         attrs.has("act_alpha") ? attrs.get_float("act_alpha") : 0.0);
}

inline void apply_activation(const Activation& act, std::span<float> values) {
  if (act.kind == ActKind::None) return;
  for (float& v : values) v = act(v);
}

// act'(x) written with y = act(x), so the backward needs only the output.
inline float derivative_from_output(const Activation& act, float y) {
  switch (act.kind) {
    case ActKind::None:
      return 1.0f;
    case ActKind::Relu:
      return y > 0.0f ? 1.0f : 0.0f;
    case ActKind::Relu6:
      return y > 0.0f && y < 6.0f ? 1.0f : 0.0f;
    case ActKind::LeakyRelu:
      return y > 0.0f ? 1.0f : act.alpha;
    case ActKind::Tanh:
      return 1.0f - y * y;
    case ActKind::Sigmoid:
      return y * (1.0f - y);
    case ActKind::Elu:
      return y > 0.0f ? 1.0f : y + act.alpha;
  }
  return 1.0f;
}

}  // namespace cnnc::backends::reference
