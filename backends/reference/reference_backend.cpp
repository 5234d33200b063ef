#include "backends/reference/reference_backend.h"

#include "passes/liveness.h"

#include <fmt/format.h>

#include <stdexcept>

namespace cnnc::backends::reference {

namespace {

// Everything a run needs, checked before the first one: parameter values and
// kernels, inside fused nodes' bodies too. `within` names the fused node.
void check_runnable(const ir::Graph& graph, const KernelTable& kernels,
                    const std::string& within = {}) {
  for (auto id : graph.topological_order()) {
    const auto& node = graph.node(id);
    if (node.kind == ir::NodeKind::Param && !node.value)
      throw std::runtime_error(fmt::format(
          "parameter '{}'{} has no value: load weights or use --init", node.name, within));
    if (node.kind != ir::NodeKind::Op) continue;
    if (!kernels.has(node.op))
      throw std::runtime_error(fmt::format("{}: layer '{}'{}: op '{}' has no reference kernel",
                                           node.source.describe(), node.name, within, node.op));
    if (node.body)
      check_runnable(*node.body, kernels, fmt::format(" (fused into '{}')", node.name));
  }
}

class ReferenceExecutable final : public Executable {
 public:
  ReferenceExecutable(const ir::Graph& graph, const KernelTable& kernels)
      : graph_(graph), order_(graph_.topological_order()), kernels_(kernels) {
    check_runnable(graph_, kernels_);
  }

  std::vector<ir::Tensor> run(std::span<const ir::Tensor> inputs) override {
    int64_t batch = check_run_inputs(graph_, inputs);
    std::vector<const ir::Tensor*> in;
    for (const auto& t : inputs) in.push_back(&t);
    return run_graph(graph_, order_, in, batch, kernels_);
  }

  int64_t peak_activation_bytes(int64_t batch) const override {
    return passes::peak_activation_bytes(graph_, batch);
  }

 private:
  ir::Graph graph_;
  std::vector<ir::NodeId> order_;
  const KernelTable& kernels_;
};

class ReferenceBackend final : public Backend {
 public:
  explicit ReferenceBackend(const KernelTable& kernels) : kernels_(kernels) {}
  std::string name() const override { return "reference"; }
  std::string description() const override {
    return "plain loops in NCHW, the oracle other backends are tested against";
  }
  std::unique_ptr<Executable> compile(const ir::Graph& graph, const CompileOptions&) override {
    return std::make_unique<ReferenceExecutable>(graph, kernels_);
  }

 private:
  const KernelTable& kernels_;
};

}  // namespace

std::unique_ptr<Backend> make_reference_backend(const KernelTable& kernels) {
  return std::make_unique<ReferenceBackend>(kernels);
}

std::vector<ir::Tensor> run_graph(const ir::Graph& graph, std::span<const ir::NodeId> order,
                                  std::span<const ir::Tensor* const> inputs, int64_t batch,
                                  const KernelTable& kernels) {
  auto input_nodes = graph.input_nodes();
  if (inputs.size() != input_nodes.size())
    throw std::invalid_argument(fmt::format("graph '{}' takes {} input(s), given {}", graph.name,
                                            input_nodes.size(), inputs.size()));
  // Inputs and parameters are read in place; op outputs are held here.
  std::vector<const ir::Tensor*> bound(graph.size(), nullptr);
  std::vector<std::vector<ir::Tensor>> computed(graph.size());
  for (size_t i = 0; i < input_nodes.size(); ++i) bound[input_nodes[i]] = inputs[i];
  auto tensor = [&](ir::TensorRef t) {
    return bound[t.node] ? bound[t.node] : &computed[t.node].at(static_cast<size_t>(t.port));
  };
  for (auto id : order) {
    const auto& node = graph.node(id);
    if (node.kind == ir::NodeKind::Param) {
      if (!node.value)
        throw std::runtime_error(
            fmt::format("parameter '{}' has no value: load weights or use --init", node.name));
      bound[id] = &*node.value;
      continue;
    }
    if (node.kind != ir::NodeKind::Op) continue;
    const Kernel* kernel = kernels.find(node.op);
    if (!kernel)
      throw std::runtime_error(fmt::format("{}: layer '{}': op '{}' has no reference kernel",
                                           node.source.describe(), node.name, node.op));
    std::vector<const ir::Tensor*> in;
    for (auto t : graph.inputs_of(id)) in.push_back(tensor(t));
    std::vector<ir::Tensor> out;
    for (const auto& s : node.outputs) out.emplace_back(s.with_batch(batch));
    (*kernel)(KernelArgs{node, in, out, &kernels});
    computed[id] = std::move(out);
  }
  std::vector<ir::Tensor> results;
  for (auto t : graph.outputs()) results.push_back(*tensor(t));
  return results;
}

}  // namespace cnnc::backends::reference
