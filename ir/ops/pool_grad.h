// The gradient rules of the pooling ops (ir/ops/pool_grad.cpp), which
// ir/ops/pool.cpp and ir/ops/global_pool.cpp install as OpDef::gradient.
#pragma once

#include <optional>
#include <vector>

#include "ir/gradient.h"

namespace cnnc::ir {

// maxpool, avgpool, l2pool: one pool_grad node with the forward window.
std::vector<std::optional<TensorRef>> pool_gradient(GradientContext& ctx);
// global_maxpool, global_avgpool: pool_grad over a window covering the input.
std::vector<std::optional<TensorRef>> global_pool_gradient(GradientContext& ctx);

}  // namespace cnnc::ir
