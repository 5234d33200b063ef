// Activations as Halide expressions, with the reference backend's semantics
// (backends/reference/kernels/activation_apply.h), shared by the standalone
// activation ops and the `act=` epilogue of conv, dense, local and
// transposed conv.
#pragma once

#include <Halide.h>

#include <string_view>

#include "ir/attribute.h"

namespace cnnc::backends::halide {

// `alpha` is used as given (leaky_relu slope, elu scale). Throws
// std::invalid_argument for a name that is not an activation.
Halide::Expr activation_expr(std::string_view name, float alpha, const Halide::Expr& x);

// The layer's `act` / `act_alpha` attributes (act_alpha 0 means the
// activation's default: 0.01 for leaky_relu, 1.0 for elu); absent means none.
Halide::Expr layer_activation(const ir::AttrMap& attrs, const Halide::Expr& x);

// act'(x) written with y = act(x), from the same attributes (absent: none),
// as the reference's derivative_from_output: the backward needs only the
// activation's output.
Halide::Expr layer_activation_derivative(const ir::AttrMap& attrs, const Halide::Expr& y);

}  // namespace cnnc::backends::halide
