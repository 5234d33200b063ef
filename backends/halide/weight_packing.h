// Weight layouts the schedule templates read, prepared once when a model is
// compiled rather than on every run.
#pragma once

#include "ir/tensor.h"

namespace cnnc::backends::halide {

// (K, rest...) -> (ceil(K/block), rest..., block): each group of `block`
// output channels becomes the innermost dimension, so one vector load reads
// one weight for `block` consecutive output channels. Channels past K are 0.
ir::Tensor block_output_channels(const ir::Tensor& weight, int block);
// The shape block_output_channels gives a weight of shape `shape`.
ir::Shape blocked_shape(const ir::Shape& shape, int block);

}  // namespace cnnc::backends::halide
