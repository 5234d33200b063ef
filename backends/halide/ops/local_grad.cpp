// local_grad_input and local_grad_weight (ir/ops/local_grad.cpp) have no Halide
// lowering yet: training runs on the reference backend until the Halide
// training step (docs/training.md).
#include "backends/halide/lowering_table.h"

namespace cnnc::backends::halide {

void register_local_grad_halide(LoweringTable&) {}

}  // namespace cnnc::backends::halide
