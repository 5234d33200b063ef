// The gradient rule of conv_transpose2d (ir/ops/conv_transpose_grad.cpp),
// which ir/ops/conv_transpose.cpp installs as OpDef::gradient.
#pragma once

#include <optional>
#include <vector>

#include "ir/gradient.h"

namespace cnnc::ir {

std::vector<std::optional<TensorRef>> conv_transpose_gradient(GradientContext& ctx);

}  // namespace cnnc::ir
