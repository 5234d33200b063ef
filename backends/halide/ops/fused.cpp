// `fused` needs no lowering of its own: the kernel builder lowers a fused
// node's body member by member into one pipeline
// (backends/halide/kernel_builder.cpp).
#include "backends/halide/lowering_table.h"

namespace cnnc::backends::halide {

void register_fused_halide(LoweringTable&) {}

}  // namespace cnnc::backends::halide
