#include "backends/reference/reference_backend.h"

#include <fmt/format.h>

#include <stdexcept>

namespace cnnc::backends::reference {

namespace {

class ReferenceExecutable final : public Executable {
 public:
  ReferenceExecutable(const ir::Graph& graph, const KernelTable& kernels)
      : graph_(graph), order_(graph_.topological_order()) {
    for (auto id : order_) {
      const auto& node = graph_.node(id);
      if (node.kind == ir::NodeKind::Param && !node.value)
        throw std::runtime_error(
            fmt::format("parameter '{}' has no value: load weights or use --init", node.name));
      if (node.kind != ir::NodeKind::Op) continue;
      const Kernel* k = kernels.find(node.op);
      if (!k)
        throw std::runtime_error(fmt::format("{}: layer '{}': op '{}' has no reference kernel",
                                             node.source.describe(), node.name, node.op));
      kernels_.emplace(id, *k);
    }
  }

  std::vector<ir::Tensor> run(std::span<const ir::Tensor> inputs) override {
    int64_t batch = check_run_inputs(graph_, inputs);
    std::vector<std::vector<ir::Tensor>> values(graph_.size());
    auto input_nodes = graph_.input_nodes();
    for (size_t i = 0; i < input_nodes.size(); ++i) values[input_nodes[i]] = {inputs[i]};
    for (auto id : order_) {
      const auto& node = graph_.node(id);
      if (node.kind == ir::NodeKind::Param) {
        values[id] = {*node.value};
        continue;
      }
      if (node.kind != ir::NodeKind::Op) continue;
      std::vector<const ir::Tensor*> in;
      for (auto t : graph_.inputs_of(id))
        in.push_back(&values[t.node].at(static_cast<size_t>(t.port)));
      std::vector<ir::Tensor> out;
      for (const auto& s : node.outputs) out.emplace_back(s.with_batch(batch));
      kernels_.at(id)(KernelArgs{node, in, out});
      values[id] = std::move(out);
    }
    std::vector<ir::Tensor> results;
    for (auto t : graph_.outputs())
      results.push_back(values[t.node].at(static_cast<size_t>(t.port)));
    return results;
  }

 private:
  ir::Graph graph_;
  std::vector<ir::NodeId> order_;
  std::map<ir::NodeId, Kernel> kernels_;
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

}  // namespace cnnc::backends::reference
