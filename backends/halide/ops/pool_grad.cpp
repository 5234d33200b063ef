// The pooling backward ops (ir/ops/pool_grad.cpp) have no
// Halide lowering yet: training runs on the reference backend until the
// Halide training step (docs/training.md).
#include "backends/halide/lowering_table.h"

namespace cnnc::backends::halide {

void register_pool_grad_halide(LoweringTable&) {}

}  // namespace cnnc::backends::halide
