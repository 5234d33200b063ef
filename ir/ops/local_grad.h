// The gradient rule of local2d (ir/ops/local_grad.cpp), which
// ir/ops/local.cpp installs as OpDef::gradient.
#pragma once

#include <optional>
#include <vector>

#include "ir/gradient.h"

namespace cnnc::ir {

std::vector<std::optional<TensorRef>> local_gradient(GradientContext& ctx);

}  // namespace cnnc::ir
