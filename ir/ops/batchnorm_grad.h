// The gradient rule of batchnorm (ir/ops/batchnorm_grad.cpp), which
// ir/ops/batchnorm.cpp installs as OpDef::gradient.
#pragma once

#include <optional>
#include <vector>

#include "ir/gradient.h"

namespace cnnc::ir {

// Gradients of the input, weight (gamma) and bias (beta); none for the
// running statistics (State params). Training form: through the batch
// statistics; inference form: the per-channel affine of the running ones.
std::vector<std::optional<TensorRef>> batchnorm_gradient(GradientContext& ctx);

}  // namespace cnnc::ir
