// `fused` (the fusion pass's composite node) has no Halide lowering yet:
// lowering its body as one pipeline with the producers computed at the
// consumer's tiles is the backend's next step. Until then the backend
// rejects it at compile time naming the layer; run the plain `inference`
// pipeline (not `inference-fused`) with this backend.
#include "backends/halide/lowering_table.h"

namespace cnnc::backends::halide {

void register_fused_halide(LoweringTable&) {}

}  // namespace cnnc::backends::halide
