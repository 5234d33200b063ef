// The gradient rule of lrn (ir/ops/lrn_grad.cpp), which ir/ops/lrn.cpp
// installs as OpDef::gradient.
#pragma once

#include <optional>
#include <vector>

#include "ir/gradient.h"

namespace cnnc::ir {

std::vector<std::optional<TensorRef>> lrn_gradient(GradientContext& ctx);

}  // namespace cnnc::ir
