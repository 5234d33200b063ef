// batchnorm_grad_input/weight and batchnorm_running_mean/var
// (ir/ops/batchnorm_grad.cpp) have no Halide lowering yet: training runs on the
// reference backend until the Halide training step (docs/training.md).
#include "backends/halide/lowering_table.h"

namespace cnnc::backends::halide {

void register_batchnorm_grad_halide(LoweringTable&) {}

}  // namespace cnnc::backends::halide
