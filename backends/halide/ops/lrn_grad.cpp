// lrn_grad (ir/ops/lrn_grad.cpp) has no Halide lowering yet: training runs on
// the reference backend until the Halide training step (docs/training.md).
#include "backends/halide/lowering_table.h"

namespace cnnc::backends::halide {

void register_lrn_grad_halide(LoweringTable&) {}

}  // namespace cnnc::backends::halide
