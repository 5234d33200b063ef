// The reference kernel of `fused`: runs the node's body with the same kernel
// table, op by op in the same order as the unfused graph, so a fused model
// computes bit-identical results. It fuses nothing itself; it is the oracle
// the fused kernels of other backends are compared with.
#include <fmt/format.h>

#include <stdexcept>

#include "backends/reference/kernel_table.h"
#include "backends/reference/reference_backend.h"

namespace cnnc::backends::reference {

namespace {

// The run's batch: from the first output or input whose body shape has a
// symbolic batch; 1 when none does (then it is never used).
int64_t batch_of(const ir::Graph& body, const KernelArgs& args) {
  for (size_t i = 0; i < body.outputs().size(); ++i)
    if (body.shape_of(body.outputs()[i]).has_symbolic_batch()) return args.outputs[i].shape()[0];
  auto inputs = body.input_nodes();
  for (size_t i = 0; i < inputs.size(); ++i)
    if (body.node(inputs[i]).outputs.at(0).has_symbolic_batch()) return args.inputs[i]->shape()[0];
  return 1;
}

void run_fused(const KernelArgs& args) {
  const ir::Node& node = args.node;
  if (!node.body) throw std::logic_error(fmt::format("fused node '{}' has no body", node.name));
  if (!args.kernels)
    throw std::logic_error(fmt::format(
        "fused node '{}' needs the kernel table to run its body; run it through the reference "
        "backend",
        node.name));
  const ir::Graph& body = *node.body;
  auto results =
      run_graph(body, body.topological_order(), args.inputs, batch_of(body, args), *args.kernels);
  for (size_t i = 0; i < results.size(); ++i) args.outputs[i] = std::move(results[i]);
}

}  // namespace

void register_fused_kernels(KernelTable& table) {
  table.add("fused", run_fused);
}

}  // namespace cnnc::backends::reference
