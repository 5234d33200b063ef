#include "backends/backend.h"

#include <fmt/format.h>

#include <chrono>

#include <stdexcept>

namespace cnnc::backends {

void BackendRegistry::add(std::unique_ptr<Backend> backend) {
  auto name = backend->name();
  if (backends_.count(name))
    throw std::invalid_argument("backend '" + name + "' is already registered");
  backends_.emplace(std::move(name), std::move(backend));
}

Backend* BackendRegistry::find(std::string_view name) const {
  auto it = backends_.find(name);
  return it == backends_.end() ? nullptr : it->second.get();
}

std::vector<std::string> BackendRegistry::names() const {
  std::vector<std::string> out;
  for (const auto& [n, _] : backends_) out.push_back(n);
  return out;
}

std::vector<ir::Tensor> Executable::run_profiled(std::span<const ir::Tensor> inputs,
                                                 std::vector<KernelTiming>& timings) {
  auto start = std::chrono::steady_clock::now();
  auto results = run(inputs);
  timings.push_back(
      {.name = "graph",
       .op = "graph",
       .seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count()});
  return results;
}

int64_t check_run_inputs(const ir::Graph& graph, std::span<const ir::Tensor> inputs) {
  auto nodes = graph.input_nodes();
  if (inputs.size() != nodes.size())
    throw std::invalid_argument(fmt::format("model '{}' takes {} input(s), given {}", graph.name,
                                            nodes.size(), inputs.size()));
  int64_t batch = -1;
  for (size_t i = 0; i < nodes.size(); ++i) {
    const auto& node = graph.node(nodes[i]);
    const auto& want = node.outputs.at(0);
    const auto& got = inputs[i].shape();
    bool ok = want.rank() == got.rank();
    for (size_t d = 0; ok && d < want.rank(); ++d) {
      if (want[d] == ir::kBatch) {
        if (batch >= 0 && got[d] != batch) ok = false;
        batch = got[d];
      } else if (want[d] != got[d]) {
        ok = false;
      }
    }
    if (!ok)
      throw std::invalid_argument(fmt::format("input '{}' expects shape {}, got {}", node.name,
                                              ir::to_string(want), ir::to_string(got)));
  }
  return batch < 0 ? 1 : batch;
}

ir::Node& param_to_set(ir::Graph& graph, std::string_view name, size_t count) {
  const auto id = graph.find(name);
  if (!id || graph.node(*id).kind != ir::NodeKind::Param || !graph.node(*id).value)
    throw std::invalid_argument(
        fmt::format("graph '{}' has no parameter '{}' to set", graph.name, name));
  ir::Node& node = graph.node(*id);
  if (static_cast<size_t>(node.value->size()) != count)
    throw std::invalid_argument(fmt::format("parameter '{}' holds {} values ({}), given {}", name,
                                            node.value->size(), ir::to_string(node.value->shape()),
                                            count));
  return node;
}

}  // namespace cnnc::backends
