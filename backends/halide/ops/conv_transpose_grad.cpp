// conv_transpose_grad_input and conv_transpose_grad_weight
// (ir/ops/conv_transpose_grad.cpp) have no Halide lowering yet: training runs
// on the reference backend until the Halide training step (docs/training.md).
#include "backends/halide/lowering_table.h"

namespace cnnc::backends::halide {

void register_conv_transpose_grad_halide(LoweringTable&) {}

}  // namespace cnnc::backends::halide
