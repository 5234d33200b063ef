// Builds the Halide pipeline of one kernel from its description: an
// ImageParam per argument with the exact shape (so every loop bound is a
// constant), packed weights read through IR-order views, the node's
// lowering (or its fused body's, member by member, with intermediate
// element-wise stages inlined), and the schedule applied.
#pragma once

#include <Halide.h>

#include <vector>

#include "backends/halide/kernel_desc.h"
#include "backends/halide/lowering_table.h"
#include "ir/graph.h"

namespace cnnc::backends::halide {

struct BuiltKernel {
  Halide::Pipeline pipeline;
  std::vector<Halide::Argument> arguments;  // KernelDesc::arguments' order
};

// Throws std::runtime_error naming the layer when a lowering rejects it.
BuiltKernel build_kernel(const ir::Graph& graph, const KernelDesc& kernel,
                         const LoweringTable& lowerings, const Halide::Target& target);

}  // namespace cnnc::backends::halide
