// The reference backend: plain, obviously-correct loops in NCHW, one kernel
// per op, run in topological order. It is the oracle every other backend is
// tested against; it is meant to be trustworthy, not fast.
#pragma once

#include <memory>
#include <span>
#include <vector>

#include "backends/backend.h"
#include "backends/reference/kernel_table.h"
#include "ir/op_registry.h"

namespace cnnc::backends::reference {

// `ops` (optional) gives run_profiled the MACs of each kernel; without it
// they are reported as 0 (unknown).
std::unique_ptr<Backend> make_reference_backend(const KernelTable& kernels,
                                                const ir::OpRegistry* ops = nullptr);

// Runs `graph` once: `inputs` in the order of graph.input_nodes(), ops in
// `order` (a topological order), symbolic batch dims set to `batch`; returns
// the graph outputs. The executable's loop, and how the `fused` kernel runs
// a fused node's body with the very same kernels. Throws std::runtime_error
// naming the layer for a missing kernel or parameter value. With
// `node_seconds` (graph.size() entries), each op node's kernel wall time is
// stored at its id.
std::vector<ir::Tensor> run_graph(const ir::Graph& graph, std::span<const ir::NodeId> order,
                                  std::span<const ir::Tensor* const> inputs, int64_t batch,
                                  const KernelTable& kernels, std::span<double> node_seconds = {});

}  // namespace cnnc::backends::reference
