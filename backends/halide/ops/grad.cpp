// Backward ops (ir/ops/grad.cpp) have no Halide lowering yet: training runs
// on the reference backend until the Halide training step (docs/training.md).
// Compiling a training graph for Halide fails naming the layer and op.
#include "backends/halide/lowering_table.h"

namespace cnnc::backends::halide {

void register_grad_halide(LoweringTable&) {}

}  // namespace cnnc::backends::halide
