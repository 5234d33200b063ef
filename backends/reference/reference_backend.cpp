#include "backends/reference/reference_backend.h"

#include <fmt/format.h>

#include <chrono>
#include <stdexcept>

#include "ir/cost.h"
#include "passes/liveness.h"

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
  ReferenceExecutable(const ir::Graph& graph, const KernelTable& kernels, const ir::OpRegistry* ops)
      : graph_(graph), order_(graph_.topological_order()), kernels_(kernels) {
    check_runnable(graph_, kernels_);
    for (auto id : order_) {
      const ir::Node& node = graph_.node(id);
      if (node.kind != ir::NodeKind::Op) continue;
      kernel_costs_.push_back({.node = id,
                               .op = node.body ? node.body->name : node.op,
                               .macs_per_item = ops ? ir::node_cost(graph_, id, *ops).macs : 0,
                               .batched = node.outputs.at(0).has_symbolic_batch()});
    }
  }

  std::vector<ir::Tensor> run(std::span<const ir::Tensor> inputs) override {
    int64_t batch = check_run_inputs(graph_, inputs);
    std::vector<const ir::Tensor*> in;
    for (const auto& t : inputs) in.push_back(&t);
    return run_graph(graph_, order_, in, batch, kernels_);
  }

  // One KernelTiming per op node; a fused node is one kernel (its body is
  // not broken down, as a backend lowering it as one kernel could not).
  std::vector<ir::Tensor> run_profiled(std::span<const ir::Tensor> inputs,
                                       std::vector<KernelTiming>& timings) override {
    int64_t batch = check_run_inputs(graph_, inputs);
    std::vector<const ir::Tensor*> in;
    for (const auto& t : inputs) in.push_back(&t);
    std::vector<double> seconds(graph_.size(), 0.0);
    auto results = run_graph(graph_, order_, in, batch, kernels_, seconds);
    for (const auto& k : kernel_costs_)
      timings.push_back({.name = graph_.node(k.node).name,
                         .op = k.op,
                         .seconds = seconds[k.node],
                         .macs = k.macs_per_item * (k.batched ? batch : 1)});
    return results;
  }

  int64_t peak_activation_bytes(int64_t batch) const override {
    return passes::peak_activation_bytes(graph_, batch);
  }

  void set_param(std::string_view name, std::span<const float> values) override {
    ir::Node& node = param_to_set(graph_, name, values.size());
    std::copy(values.begin(), values.end(), node.value->data().begin());
  }

 private:
  struct KernelCost {
    ir::NodeId node;
    std::string op;
    int64_t macs_per_item;
    bool batched;  // the output has the symbolic batch: MACs scale with it
  };

  ir::Graph graph_;
  std::vector<ir::NodeId> order_;
  const KernelTable& kernels_;
  std::vector<KernelCost> kernel_costs_;  // op nodes in execution order
};

class ReferenceBackend final : public Backend {
 public:
  ReferenceBackend(const KernelTable& kernels, const ir::OpRegistry* ops)
      : kernels_(kernels), ops_(ops) {}
  std::string name() const override { return "reference"; }
  std::string description() const override {
    return "plain loops in NCHW, the oracle other backends are tested against";
  }
  std::unique_ptr<Executable> compile(const ir::Graph& graph, const CompileOptions&) override {
    return std::make_unique<ReferenceExecutable>(graph, kernels_, ops_);
  }

 private:
  const KernelTable& kernels_;
  const ir::OpRegistry* ops_;
};

}  // namespace

std::unique_ptr<Backend> make_reference_backend(const KernelTable& kernels,
                                                const ir::OpRegistry* ops) {
  return std::make_unique<ReferenceBackend>(kernels, ops);
}

std::vector<ir::Tensor> run_graph(const ir::Graph& graph, std::span<const ir::NodeId> order,
                                  std::span<const ir::Tensor* const> inputs, int64_t batch,
                                  const KernelTable& kernels, std::span<double> node_seconds) {
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
    auto start = std::chrono::steady_clock::now();
    std::vector<ir::Tensor> out;
    for (const auto& s : node.outputs) out.emplace_back(s.with_batch(batch));
    (*kernel)(KernelArgs{node, in, out, &kernels});
    computed[id] = std::move(out);
    if (!node_seconds.empty())
      node_seconds[id] =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
  std::vector<ir::Tensor> results;
  for (auto t : graph.outputs()) results.push_back(*tensor(t));
  return results;
}

}  // namespace cnnc::backends::reference
