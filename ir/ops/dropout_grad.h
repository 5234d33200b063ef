// The gradient rule of dropout (ir/ops/dropout_grad.cpp), which
// ir/ops/dropout.cpp installs as OpDef::gradient.
#pragma once

#include <optional>
#include <vector>

#include "ir/gradient.h"

namespace cnnc::ir {

// At inference dropout is the identity, and so is its gradient; in
// training, dropout_grad applies the forward's mask (recomputed from the
// same seed, step and layer) and scale to dy.
std::vector<std::optional<TensorRef>> dropout_gradient(GradientContext& ctx);

}  // namespace cnnc::ir
