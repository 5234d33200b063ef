// The schedule templates of backends/halide/schedule.h applied to a
// kernel's Funcs. Lowerings stay schedule-free; they expose their
// reduction stage as an Anchor, and these templates tile it.
#pragma once

#include <Halide.h>

#include <optional>

#include "backends/halide/kernel_desc.h"
#include "backends/halide/lowering_table.h"

namespace cnnc::backends::halide {

struct KernelFuncs {
  Halide::Func output;                  // the kernel's output, computed at the root
  std::optional<Anchor> anchor;         // the convolution or dense stage, if any
  Halide::Func before_pool;             // a fused pooling layer's input; undefined without one
  std::vector<Halide::Func> roots;      // stages that must be materialized (reductions in a body)
  std::vector<Halide::Func> arguments;  // IR-order views of the arguments, inlined unless scheduled
};

// A stage a lowering materializes itself (a padded copy, an argmax, the
// backward ops' partial sums): computed at the root, vectorized along x,
// its outer rows in parallel. `ir_shape` is roughly the stage's extent.
void compute_root_plain(Halide::Func f, const ir::Shape& ir_shape, int vector_width);

void apply_schedule(const KernelDesc& kernel, KernelFuncs& funcs, int threads_hint);

}  // namespace cnnc::backends::halide
