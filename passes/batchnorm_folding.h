// \file
// Batchnorm folding: an inference-form batchnorm right after a convolution
// or dense layer (its only consumer, no activation in between) is a
// per-channel affine map, so it is folded into that layer's weights and
// bias: with s = gamma / sqrt(running_var + eps),
//   W'[k, ...] = W[k, ...] * s[k],   b'[k] = (b[k] - running_mean[k]) * s[k] + beta[k].
// The layer gets the folded values as new parameters (role State, named
// `<layer>.folded_weight` and `.folded_bias`) and a bias if it had none; the
// batchnorm disappears. Only done when every parameter involved has a value
// (weights loaded or initialized) and is used by this layer alone, so a
// model inspected without weights, or sharing a weight, is left as it is.
// Part of the `inference` pipelines only: training needs the batchnorm.
#pragma once

#include <cstddef>

#include "ir/graph.h"

namespace cnnc::passes {

// Needs shapes. Returns how many batchnorms were folded; their old parameters
// become dead (run eliminate-dead-nodes after).
size_t fold_batchnorm(ir::Graph& graph);

}  // namespace cnnc::passes
