// The optimizer updates (ir/ops/optimizer.cpp) have no
// Halide lowering yet: training runs on the reference backend until the
// Halide training step (docs/training.md).
#include "backends/halide/lowering_table.h"

namespace cnnc::backends::halide {

void register_optimizer_halide(LoweringTable&) {}

}  // namespace cnnc::backends::halide
