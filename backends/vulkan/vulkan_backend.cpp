#include "backends/vulkan/vulkan_backend.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <map>
#include <mutex>
#include <stdexcept>

#include "backends/vulkan/buffer.h"
#include "backends/vulkan/compute_pipeline.h"
#include "backends/vulkan/context.h"
#include "backends/vulkan/lowering.h"
#include "backends/vulkan/recording.h"
#include "ir/cost.h"

namespace cnnc::backends::vulkan {

namespace {

constexpr uint32_t kWorkgroup = 64;

// A tensor: the node producing it, in the graph holding that node (the
// model's graph or a fused node's body).
using TensorKey = std::pair<const ir::Graph*, ir::NodeId>;

// One dispatch of a run: an op node of the model or of a fused body.
struct Step {
  const ir::Graph* graph;
  ir::NodeId node;
  std::vector<TensorKey> inputs;
};

class VulkanExecutable : public Executable {
 public:
  VulkanExecutable(const ir::Graph& graph, std::shared_ptr<Context> context, KernelChoice choice)
      : graph_(graph), context_(std::move(context)), choice_(choice) {
    // Fused nodes run their members one dispatch each, until fused shaders
    // exist: the fusion pass's groups are still computed, just not fused.
    for (const ir::TensorRef& t : graph_.outputs()) outputs_.push_back(flatten(graph_, {}, t.node));
    // Every op must have a kernel, with attributes it covers: checked now,
    // at batch 1, so run() only meets shapes.
    for (const Step& step : steps_) pipeline(dispatch_for(step, 1));
  }

  std::vector<ir::Tensor> run(std::span<const ir::Tensor> inputs) override {
    const int64_t batch = check_run_inputs(graph_, inputs);
    std::lock_guard lock(context_->command_mutex());
    // One buffer per tensor: inputs, parameters, each step's output.
    std::map<TensorKey, std::unique_ptr<Buffer>> buffers;
    const auto input_nodes = graph_.input_nodes();
    for (size_t i = 0; i < input_nodes.size(); ++i) {
      auto b = std::make_unique<Buffer>(*context_, inputs[i].size());
      b->upload(inputs[i].data());
      buffers[{&graph_, input_nodes[i]}] = std::move(b);
    }
    for (const TensorKey& key : params_) {
      const ir::Node& p = key.first->node(key.second);
      if (!p.value) throw std::invalid_argument(fmt::format("parameter '{}' has no value", p.name));
      auto b = std::make_unique<Buffer>(*context_, p.value->size());
      b->upload(p.value->data());
      buffers[key] = std::move(b);
    }
    Buffer placeholder(*context_, 1);

    std::vector<Dispatch> dispatches;
    uint32_t descriptors = 0;
    for (const Step& step : steps_) {
      const ir::Node& n = step.graph->node(step.node);
      buffers[{step.graph, step.node}] =
          std::make_unique<Buffer>(*context_, n.outputs.at(0).elements(batch));
      dispatches.push_back(dispatch_for(step, batch));
      descriptors += dispatches.back().bindings;
    }
    Recording recording(*context_, static_cast<uint32_t>(dispatches.size()), descriptors);
    for (size_t i = 0; i < steps_.size(); ++i) {
      const Step& step = steps_[i];
      const Dispatch& d = dispatches[i];
      const ComputePipeline& p = pipeline(d);
      std::vector<Buffer*> bound;
      for (const TensorKey& t : step.inputs) bound.push_back(buffers.at(t).get());
      while (bound.size() + 1 < d.bindings) bound.push_back(&placeholder);
      bound.push_back(buffers.at({step.graph, step.node}).get());
      const auto groups = static_cast<uint32_t>((d.invocations + kWorkgroup - 1) / kWorkgroup);
      p.record(recording.commands(), recording.bind(p.set_layout(), bound),
               std::as_bytes(std::span<const uint32_t>(d.push)), std::max(groups, 1u));
      recording.barrier_after_dispatch();  // the next dispatch may read what this one wrote
    }
    recording.submit_and_wait();
    // With the validation layer on (CNNC_VULKAN_VALIDATION=1), anything it
    // said makes the run fail: a warning there is a bug here.
    if (const auto said = context_->take_validation_messages(); !said.empty())
      throw std::runtime_error(
          fmt::format("the Vulkan validation layer reported {} message{}:\n  {}", said.size(),
                      said.size() == 1 ? "" : "s", fmt::join(said, "\n  ")));

    std::vector<ir::Tensor> results;
    for (size_t i = 0; i < outputs_.size(); ++i) {
      ir::Tensor out(graph_.shape_of(graph_.outputs()[i]).with_batch(batch));
      buffers.at(outputs_[i])->download(out.data());
      results.push_back(std::move(out));
    }
    return results;
  }

  int64_t peak_activation_bytes(int64_t batch) const override {
    int64_t bytes = 0;  // every tensor has its own buffer until the memory plan lands
    for (ir::NodeId id : graph_.input_nodes())
      bytes += graph_.node(id).outputs.at(0).elements(batch) * 4;
    for (const Step& step : steps_)
      bytes += step.graph->node(step.node).outputs.at(0).elements(batch) * 4;
    return bytes;
  }

  void set_param(std::string_view name, std::span<const float> values) override {
    ir::Node& node = param_to_set(graph_, name, values.size());
    std::copy(values.begin(), values.end(), node.value->data().begin());
  }

 private:
  // Walks `g` (the model, or a fused body whose inputs are `body_inputs`)
  // appending its op nodes as steps; returns the key of node `result`.
  TensorKey flatten(const ir::Graph& g, const std::vector<TensorKey>& body_inputs,
                    ir::NodeId result) {
    if (auto it = flattened_.find(&g); it != flattened_.end()) return it->second.at(result);
    std::map<ir::NodeId, TensorKey>& alias = flattened_[&g];
    const auto inputs = g.input_nodes();
    for (ir::NodeId id : g.topological_order()) {
      const ir::Node& n = g.node(id);
      if (n.kind == ir::NodeKind::Input) {
        const size_t k =
            static_cast<size_t>(std::find(inputs.begin(), inputs.end(), id) - inputs.begin());
        alias[id] = &g == &graph_ ? TensorKey{&g, id} : body_inputs.at(k);
      } else if (n.kind == ir::NodeKind::Param) {
        alias[id] = {&g, id};
        params_.push_back({&g, id});
      } else {
        std::vector<TensorKey> in;
        for (const ir::TensorRef& t : g.inputs_of(id)) in.push_back(alias.at(t.node));
        if (n.op == "fused" && n.body) {
          alias[id] = flatten(*n.body, in, n.body->outputs().at(0).node);
          continue;
        }
        if (!builtin_lowerings().find(n.op))
          throw std::runtime_error(fmt::format(
              "layer '{}': op '{}' has no Vulkan kernel yet (docs/vulkan.md lists what runs); "
              "use --backend halide or reference",
              n.name, n.op));
        steps_.push_back({&g, id, std::move(in)});
        alias[id] = {&g, id};
      }
    }
    return alias.at(result);
  }

  Dispatch dispatch_for(const Step& step, int64_t batch) const {
    const ir::Graph& g = *step.graph;
    const ir::Node& n = g.node(step.node);
    std::vector<ir::Shape> in;
    for (const ir::TensorRef& t : g.inputs_of(step.node))
      in.push_back(g.shape_of(t).with_batch(batch));
    try {
      return (*builtin_lowerings().find(n.op))(n, in, n.outputs.at(0).with_batch(batch), choice_);
    } catch (const std::runtime_error& e) {
      throw std::runtime_error(fmt::format("layer '{}': {}", n.name, e.what()));
    }
  }

  const ComputePipeline& pipeline(const Dispatch& d) {
    auto it = pipelines_.find(d.shader);
    if (it == pipelines_.end())
      it = pipelines_
               .emplace(d.shader, std::make_unique<ComputePipeline>(
                                      *context_, d.shader, d.bindings,
                                      static_cast<uint32_t>(d.push.size() * 4), kWorkgroup))
               .first;
    return *it->second;
  }

  ir::Graph graph_;
  std::shared_ptr<Context> context_;
  KernelChoice choice_;
  std::vector<Step> steps_;
  std::vector<TensorKey> params_;
  std::vector<TensorKey> outputs_;  // one per graph output
  std::map<const ir::Graph*, std::map<ir::NodeId, TensorKey>> flattened_;
  std::map<std::string, std::unique_ptr<ComputePipeline>, std::less<>> pipelines_;
};

class VulkanBackend : public Backend {
 public:
  std::string name() const override { return "vulkan"; }
  std::string description() const override {
    return "Vulkan compute shaders (GLSL, embedded SPIR-V) on the default device of `cnnc "
           "devices`; so far dense layers, activations, add/mul, softmax, flatten/reshape";
  }
  std::unique_ptr<Executable> compile(const ir::Graph& graph,
                                      const CompileOptions& options) override {
    KernelChoice choice;
    if (options.schedule == "direct")
      choice.direct_convolution = true;
    else if (!options.schedule.empty())
      throw std::invalid_argument(fmt::format(
          "unknown Vulkan schedule '{}': leave it out for tiled kernels, or 'direct' for one "
          "output per invocation",
          options.schedule));
    std::shared_ptr<Context>& context = contexts_[options.device];
    if (!context) {
      ContextOptions open;
      if (options.device >= 0) open.device = static_cast<uint32_t>(options.device);
      context = std::make_shared<Context>(open);
    }
    return std::make_unique<VulkanExecutable>(graph, context, choice);
  }

 private:
  // One opened device per --device, opened by the first compile that asks.
  std::map<int, std::shared_ptr<Context>> contexts_;
};

}  // namespace

std::unique_ptr<Backend> make_vulkan_backend(const ir::OpRegistry&) {
  return std::make_unique<VulkanBackend>();
}

std::vector<std::string> lowered_ops() {
  return builtin_lowerings().ops();
}

}  // namespace cnnc::backends::vulkan
