// The gradient rule of conv1d/2d/3d (ir/ops/conv_grad.cpp), which
// ir/ops/conv.cpp installs as OpDef::gradient.
#pragma once

#include <optional>
#include <vector>

#include "ir/gradient.h"

namespace cnnc::ir {

std::vector<std::optional<TensorRef>> conv_gradient(GradientContext& ctx);

}  // namespace cnnc::ir
