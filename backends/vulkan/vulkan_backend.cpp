#include "backends/vulkan/vulkan_backend.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <bit>
#include <cstring>
#include <map>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <tuple>

#include "backends/vulkan/buffer.h"
#include "backends/vulkan/compute_pipeline.h"
#include "backends/vulkan/context.h"
#include "backends/vulkan/lowering.h"
#include "backends/vulkan/memory_plan.h"
#include "backends/vulkan/native_plan.h"
#include "backends/vulkan/recording.h"
#include "backends/vulkan/schedule.h"
#include "ir/cost.h"

namespace cnnc::backends::vulkan {

namespace {

// A tensor: the node producing it, in the graph holding that node (the
// model's graph or a fused node's body).
using TensorKey = std::pair<const ir::Graph*, ir::NodeId>;

// A binding no tensor fills (a layer without bias).
const TensorKey kPlaceholder{nullptr, 0};

// One dispatch of a run: an op node of the model or of a fused body, or a
// fused node whose whole body one shader computes (`fused_body`).
struct Step {
  const ir::Graph* graph;
  ir::NodeId node;
  std::vector<TensorKey> inputs;
  const ir::Graph* fused_body = nullptr;
};

class VulkanExecutable : public Executable {
 public:
  VulkanExecutable(const ir::Graph& graph, const ir::OpRegistry& ops,
                   std::shared_ptr<Context> context, KernelChoice choice)
      : graph_(graph), ops_(ops), context_(std::move(context)), choice_(choice) {
    // Fused nodes run their members one dispatch each, until fused shaders
    // exist: the fusion pass's groups are still computed, just not fused.
    for (const ir::TensorRef& t : graph_.outputs()) outputs_.push_back(flatten(graph_, {}, t.node));
    // Every op must have a kernel, with attributes it covers: checked now,
    // at batch 1, so run() only meets shapes.
    for (const Step& step : steps_) pipeline(dispatch_for(step, 1));
    place_params();
  }

  std::vector<ir::Tensor> run(std::span<const ir::Tensor> inputs) override {
    return execute(inputs, nullptr);
  }

  // Each dispatch timed by the device's timestamps, where its compute
  // queue has them (recorded afresh: the kept command buffer has none).
  std::vector<ir::Tensor> run_profiled(std::span<const ir::Tensor> inputs,
                                       std::vector<KernelTiming>& timings) override {
    if (context_->timestamp_period_ns() == 0) return Executable::run_profiled(inputs, timings);
    return execute(inputs, &timings);
  }

  std::vector<ir::Tensor> execute(std::span<const ir::Tensor> inputs,
                                  std::vector<KernelTiming>* timings) {
    const int64_t batch = check_run_inputs(graph_, inputs);
    std::lock_guard lock(context_->command_mutex());
    if (!plan_ || plan_->batch != batch) plan_ = make_plan(batch);
    upload_changed_params();
    for (size_t i = 0; i < inputs.size(); ++i) {
      const Place& at = plan_->inputs[i];
      if (plan_->staging)
        plan_->staging->upload(inputs[i].data(), at.staging);
      else
        plan_->arena->upload(inputs[i].data(), at.offset);
    }
    if (timings) {
      Recording timed(*context_, static_cast<uint32_t>(steps_.size()), plan_->descriptors);
      record(*plan_, plan_->dispatches, plan_->constant_offsets, timed, true);
      timed.submit_and_wait();
      const std::vector<uint64_t> ticks = timed.timestamps();
      for (size_t i = 0; i < steps_.size(); ++i) {
        const Step& step = steps_[i];
        const ir::Node& n = step.graph->node(step.node);
        timings->push_back(
            {.name = n.name,
             .op = step.fused_body ? step.fused_body->name : n.op,
             .seconds = double(ticks[i + 1] - ticks[i]) * context_->timestamp_period_ns() * 1e-9,
             .macs = ir::node_cost(*step.graph, step.node, ops_).macs * batch});
      }
    } else {
      plan_->recording->submit_and_wait();
    }
    // With the validation layer on (CNNC_VULKAN_VALIDATION=1), anything it
    // said makes the run fail: a warning there is a bug here.
    throw_on_validation_messages();
    std::vector<ir::Tensor> results;
    for (size_t i = 0; i < outputs_.size(); ++i) {
      ir::Tensor out(graph_.shape_of(graph_.outputs()[i]).with_batch(batch));
      const Place& at = plan_->outputs[i];
      if (plan_->staging)
        plan_->staging->download(out.data(), at.staging);
      else
        plan_->arena->download(out.data(), at.offset);
      results.push_back(std::move(out));
    }
    return results;
  }

  int64_t peak_activation_bytes(int64_t batch) const override {
    return static_cast<int64_t>(plan_memory(lifetimes(batch), alignment()).bytes);
  }

  void set_param(std::string_view name, std::span<const float> values) override {
    ir::Node& node = param_to_set(graph_, name, values.size());
    std::copy(values.begin(), values.end(), node.value->data().begin());
    for (size_t p = 0; p < params_.size(); ++p)
      if (&params_[p].first->node(params_[p].second) == &node) param_changed_[p] = true;
  }

  // The run at `batch` as data for `cnnc compile --backend vulkan`: the
  // dispatches make_plan() records, with offsets and grids any device takes.
  NativeVulkanPlan export_plan(int64_t batch) const {
    constexpr uint64_t kAlign = 256;       // the largest minStorageBufferOffsetAlignment allowed
    constexpr int64_t kMaxGroups = 65535;  // the smallest maxComputeWorkGroupCount allowed
    NativeVulkanPlan n{.device = context_->info().name, .batch = batch};
    const std::vector<TensorKey> keys = activations();
    const std::vector<TensorLifetime> lives = lifetimes(batch);
    const MemoryPlan memory = plan_memory(lives, kAlign);
    std::map<TensorKey, NativeBinding> places;
    for (size_t k = 0; k < keys.size(); ++k)
      places[keys[k]] = {.offset = memory.offsets[k],
                         .bytes = std::max<uint64_t>(lives[k].bytes, 4)};
    n.arena_bytes = std::max<uint64_t>(memory.bytes, kAlign);
    const std::vector<uint64_t> param_offsets = param_layout(kAlign);
    const NativeBinding placeholder{
        .buffer = NativeBinding::Buffer::Params, .offset = param_offsets.back(), .bytes = 4};
    n.params.resize(param_offsets.back() + kAlign);
    std::map<TensorKey, NativeBinding> param_places;
    for (size_t p = 0; p < params_.size(); ++p) {
      const ir::Node& node = params_[p].first->node(params_[p].second);
      if (!node.value)
        throw std::invalid_argument(fmt::format("parameter '{}' has no value", node.name));
      const uint64_t bytes = param_bytes(params_[p]);
      param_places[params_[p]] = {.buffer = NativeBinding::Buffer::Params,
                                  .offset = param_offsets[p],
                                  .bytes = std::max<uint64_t>(bytes, 4)};
      std::memcpy(n.params.data() + param_offsets[p], node.value->data().data(), bytes);
    }
    std::vector<Dispatch> dispatches;
    for (const Step& step : steps_) dispatches.push_back(dispatch_for(step, batch));
    std::vector<uint64_t> constant_offsets;
    std::tie(n.constants, constant_offsets) = pack_constants(dispatches, kAlign);
    for (size_t i = 0; i < steps_.size(); ++i) {
      const Step& step = steps_[i];
      const Dispatch& d = dispatches[i];
      NativeDispatch out{.layer = step.graph->node(step.node).name,
                         .shader = d.shader,
                         .workgroup_size = d.workgroup_size ? d.workgroup_size : kWorkgroup,
                         .specialization = d.specialization,
                         .push = d.push,
                         .grid = grid_of(d, kMaxGroups, kMaxGroups)};
      for (const std::optional<TensorKey>& t : bindings_of(step, d)) {
        if (!t)
          out.bindings.push_back({.buffer = NativeBinding::Buffer::Constants,
                                  .offset = constant_offsets[i],
                                  .bytes = d.constants.size() * 4});
        else if (*t == kPlaceholder)
          out.bindings.push_back(placeholder);
        else if (auto it = places.find(*t); it != places.end())
          out.bindings.push_back(it->second);
        else
          out.bindings.push_back(param_places.at(*t));
      }
      n.dispatches.push_back(std::move(out));
    }
    for (ir::NodeId id : graph_.input_nodes()) {
      n.input_places.push_back(places.at({&graph_, id}));
      n.inputs.push_back({graph_.node(id).name, graph_.node(id).outputs.at(0).with_batch(batch)});
    }
    for (size_t i = 0; i < outputs_.size(); ++i) {
      const ir::TensorRef t = graph_.outputs()[i];
      n.output_places.push_back(places.at(outputs_[i]));
      n.outputs.push_back({graph_.node(t.node).name, graph_.shape_of(t).with_batch(batch)});
    }
    return n;
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
          if (auto fused = lower_fused(*n.body, 1, choice_)) {
            steps_.push_back({&g, id, fused_operands(*n.body, in, fused->operands), n.body.get()});
            alias[id] = {&g, id};
          } else {
            alias[id] = flatten(*n.body, in, n.body->outputs().at(0).node);
          }
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

  // The tensors a fused shader binds: the body's inputs are the fused
  // node's (`outer`), its parameters stay the body's.
  std::vector<TensorKey> fused_operands(const ir::Graph& body, const std::vector<TensorKey>& outer,
                                        const std::vector<ir::NodeId>& operands) {
    const auto body_inputs = body.input_nodes();
    std::vector<TensorKey> keys;
    for (ir::NodeId id : operands) {
      if (id == kPlaceholderOperand) {
        keys.push_back(kPlaceholder);
      } else if (body.node(id).kind == ir::NodeKind::Param) {
        keys.push_back({&body, id});
        if (std::find(params_.begin(), params_.end(), keys.back()) == params_.end())
          params_.push_back(keys.back());
      } else {
        const auto at = std::find(body_inputs.begin(), body_inputs.end(), id);
        keys.push_back(outer.at(static_cast<size_t>(at - body_inputs.begin())));
      }
    }
    return keys;
  }

  Dispatch dispatch_for(const Step& step, int64_t batch) const {
    const ir::Graph& g = *step.graph;
    const ir::Node& n = g.node(step.node);
    if (step.fused_body) return lower_fused(*step.fused_body, batch, choice_).value().dispatch;
    std::vector<ir::Shape> in;
    for (const ir::TensorRef& t : g.inputs_of(step.node))
      in.push_back(g.shape_of(t).with_batch(batch));
    try {
      return (*builtin_lowerings().find(n.op))(n, in, n.outputs.at(0).with_batch(batch), choice_);
    } catch (const std::runtime_error& e) {
      throw std::runtime_error(fmt::format("layer '{}': {}", n.name, e.what()));
    }
  }

  // One pipeline per shader and specialization (tile sizes).
  const ComputePipeline& pipeline(const Dispatch& d) {
    const uint32_t workgroup = d.workgroup_size ? d.workgroup_size : kWorkgroup;
    std::string key =
        fmt::format("{}/{}/{}", d.shader, workgroup, fmt::join(d.specialization, ","));
    auto it = pipelines_.find(key);
    if (it == pipelines_.end())
      it = pipelines_
               .emplace(key,
                        std::make_unique<ComputePipeline>(*context_, d.shader, d.bindings,
                                                          static_cast<uint32_t>(d.push.size() * 4),
                                                          workgroup, d.specialization))
               .first;
    return *it->second;
  }

  // Where a tensor lives: its byte offset in its arena, and in the
  // staging buffer where the arena is not mapped.
  struct Place {
    uint64_t offset = 0, bytes = 0, staging = 0;
  };

  // Everything a run at one batch size needs, made by its first run and
  // kept: the activation arena (inputs, every step's output, sub-allocated
  // by the memory plan), the staging buffer of inputs and outputs where the
  // arena is device-local, and the recorded command buffer that replays
  // every dispatch.
  struct Plan {
    int64_t batch = 0;
    std::map<TensorKey, Place> places;
    std::vector<Place> inputs, outputs;
    std::unique_ptr<Buffer> arena, staging, constants;
    std::unique_ptr<Recording> recording;
    std::vector<Dispatch> dispatches;  // one per step, for profiled runs to record again
    std::vector<uint64_t> constant_offsets;
    uint32_t descriptors = 0;
  };

  uint64_t alignment() const {
    return std::max<uint64_t>(context_->info().storage_offset_alignment, sizeof(float));
  }

  // The activation tensors in a fixed order (graph inputs, then each
  // step's output) with the steps writing and last reading them.
  std::vector<TensorKey> activations() const {
    std::vector<TensorKey> keys;
    for (ir::NodeId id : graph_.input_nodes()) keys.push_back({&graph_, id});
    for (const Step& step : steps_) keys.push_back({step.graph, step.node});
    return keys;
  }

  std::vector<TensorLifetime> lifetimes(int64_t batch) const {
    const std::vector<TensorKey> keys = activations();
    std::map<TensorKey, size_t> index;
    std::vector<TensorLifetime> lives(keys.size());
    for (size_t k = 0; k < keys.size(); ++k) {
      index[keys[k]] = k;
      const ir::Node& n = keys[k].first->node(keys[k].second);
      lives[k].bytes = static_cast<uint64_t>(n.outputs.at(0).elements(batch)) * sizeof(float);
      lives[k].first = lives[k].last = k < graph_.input_nodes().size()
                                           ? -1
                                           : static_cast<int64_t>(k - graph_.input_nodes().size());
    }
    for (size_t s = 0; s < steps_.size(); ++s)
      for (const TensorKey& t : steps_[s].inputs)
        if (auto it = index.find(t); it != index.end())
          lives[it->second].last = std::max<int64_t>(lives[it->second].last, s);
    for (const TensorKey& t : outputs_) lives.at(index.at(t)).last = std::ssize(steps_);
    return lives;
  }

  // Parameters live for the executable's lifetime in one device-local
  // buffer, each at an aligned offset, uploaded when they change (set_param).
  void place_params() {
    const uint64_t align = alignment();
    param_offsets_ = param_layout(align);
    // Unused bindings (a dense layer without bias) see the last offset.
    placeholder_offset_ = param_offsets_.back();
    param_offsets_.pop_back();
    const uint64_t offset = placeholder_offset_;
    param_buffer_ =
        std::make_unique<Buffer>(*context_, offset / sizeof(float) + align, Memory::DeviceLocal);
    if (!param_buffer_->mapped())
      param_staging_ = std::make_unique<Buffer>(*context_, param_buffer_->floats());
    param_changed_.assign(params_.size(), true);
  }

  // Each parameter's byte offset in the parameter buffer, every one a
  // multiple of `alignment`, then the offset just past the last one.
  std::vector<uint64_t> param_layout(uint64_t alignment) const {
    std::vector<uint64_t> offsets{0};
    for (const TensorKey& key : params_)
      offsets.push_back(offsets.back() +
                        (param_bytes(key) + alignment - 1) / alignment * alignment);
    return offsets;
  }

  void upload_changed_params() {
    std::vector<size_t> changed;
    for (size_t p = 0; p < params_.size(); ++p)
      if (param_changed_[p]) changed.push_back(p);
    if (changed.empty()) return;
    Buffer& to = param_staging_ ? *param_staging_ : *param_buffer_;
    for (size_t p : changed) {
      const ir::Node& node = params_[p].first->node(params_[p].second);
      if (!node.value)
        throw std::invalid_argument(fmt::format("parameter '{}' has no value", node.name));
      to.upload(node.value->data(), param_offsets_[p]);
    }
    if (param_staging_) {
      Recording copy(*context_, 0, 0);
      for (size_t p : changed) {
        const uint64_t bytes = param_bytes(params_[p]);
        copy.copy(param_staging_->range(param_offsets_[p], bytes),
                  param_buffer_->range(param_offsets_[p], bytes));
      }
      copy.barrier_after_copy();
      copy.submit_and_wait();
    }
    std::fill(param_changed_.begin(), param_changed_.end(), false);
  }

  std::unique_ptr<Plan> make_plan(int64_t batch) {
    auto plan = std::make_unique<Plan>();
    plan->batch = batch;
    const std::vector<TensorKey> keys = activations();
    const std::vector<TensorLifetime> lives = lifetimes(batch);
    const MemoryPlan memory = plan_memory(lives, alignment());
    for (size_t k = 0; k < keys.size(); ++k) {
      if (lives[k].bytes > context_->info().max_storage_range)
        throw std::runtime_error(fmt::format(
            "tensor '{}' at batch {} takes {} bytes, more than one storage binding of {} may "
            "cover ({}); use a smaller batch",
            keys[k].first->node(keys[k].second).name, batch, lives[k].bytes, context_->info().name,
            context_->info().max_storage_range));
      plan->places[keys[k]] = {.offset = memory.offsets[k], .bytes = lives[k].bytes};
    }
    plan->arena =
        std::make_unique<Buffer>(*context_, memory.bytes / sizeof(float) + 1, Memory::DeviceLocal);
    // Device-local memory the host cannot map: inputs and outputs pass
    // through a staging buffer, copied in the same command buffer.
    uint64_t staged = 0;
    const auto stage = [&](const TensorKey& key) {
      Place at = plan->places.at(key);
      at.staging = staged;
      staged += (at.bytes + alignment() - 1) / alignment() * alignment();
      return at;
    };
    for (ir::NodeId id : graph_.input_nodes()) plan->inputs.push_back(stage({&graph_, id}));
    for (const TensorKey& key : outputs_) plan->outputs.push_back(stage(key));
    if (!plan->arena->mapped())
      plan->staging = std::make_unique<Buffer>(*context_, staged / sizeof(float) + 1);

    std::vector<Dispatch> dispatches;
    uint32_t descriptors = 0;
    for (const Step& step : steps_) {
      dispatches.push_back(dispatch_for(step, batch));
      descriptors += dispatches.back().bindings;
    }
    // Constants too many for push constants, in one host-visible buffer.
    auto [words, constant_offsets] = pack_constants(dispatches, alignment());
    std::vector<float> floats;
    for (uint32_t w : words) floats.push_back(std::bit_cast<float>(w));
    plan->constants = std::make_unique<Buffer>(*context_, floats.size() + 1);
    plan->constants->upload(floats);
    plan->recording = std::make_unique<Recording>(
        *context_, static_cast<uint32_t>(dispatches.size()), descriptors);
    record(*plan, dispatches, constant_offsets, *plan->recording, false);
    plan->dispatches = std::move(dispatches);
    plan->constant_offsets = std::move(constant_offsets);
    plan->descriptors = descriptors;
    return plan;
  }

  // The workgroups of a dispatch: its own grid, or its invocations spread
  // over workgroups of kWorkgroup, in rows of at most the device's limit
  // along x (shaders index them with invocation_index(), invocation.glsl).
  std::array<uint32_t, 3> grid_of(const Dispatch& d) const {
    return grid_of(d, context_->info().max_workgroup_count[0],
                   context_->info().max_workgroup_count[1]);
  }
  std::array<uint32_t, 3> grid_of(const Dispatch& d, int64_t max_x, int64_t max_y) const {
    if (d.grid[0]) return d.grid;
    const int64_t groups = std::max<int64_t>((d.invocations + kWorkgroup - 1) / kWorkgroup, 1);
    const int64_t row = std::min<int64_t>(groups, max_x);
    const int64_t rows = (groups + row - 1) / row;
    if (rows > max_y)
      throw std::runtime_error(fmt::format(
          "a {} dispatch of {} invocations is more than {} can run in one dispatch; use a "
          "smaller batch",
          d.shader, d.invocations, context_->info().name));
    return {static_cast<uint32_t>(row), static_cast<uint32_t>(rows), 1u};
  }

  // Records a run of `plan` into `rec`: inputs staged in, every dispatch
  // with a barrier after it (and a timestamp, `timed`), outputs staged out.
  void record(Plan& plan, const std::vector<Dispatch>& dispatches,
              const std::vector<uint64_t>& constant_offsets, Recording& rec, bool timed) {
    const auto arena_range = [&](const Place& at) {
      return plan.arena->range(at.offset, at.bytes);
    };
    if (plan.staging) {
      for (const Place& at : plan.inputs)
        if (at.bytes) rec.copy(plan.staging->range(at.staging, at.bytes), arena_range(at));
      rec.barrier_after_copy();
    }
    if (timed) {
      rec.reserve_timestamps(static_cast<uint32_t>(steps_.size() + 1));
      rec.write_timestamp();
    }
    for (size_t i = 0; i < steps_.size(); ++i) {
      const Step& step = steps_[i];
      const Dispatch& d = dispatches[i];
      const ComputePipeline& p = pipeline(d);
      std::vector<BufferRange> bound;
      for (const std::optional<TensorKey>& t : bindings_of(step, d))
        bound.push_back(t ? range_of(plan, *t)
                          : plan.constants->range(constant_offsets[i], d.constants.size() * 4));
      p.record(rec.commands(), rec.bind(p.set_layout(), bound),
               std::as_bytes(std::span<const uint32_t>(d.push)), grid_of(d));
      rec.barrier_after_dispatch();  // the next dispatch may read what this one wrote
      if (timed) rec.write_timestamp();
    }
    if (plan.staging) {
      for (const Place& at : plan.outputs)
        if (at.bytes) rec.copy(arena_range(at), plan.staging->range(at.staging, at.bytes));
      rec.barrier_after_copy();
    }
  }

  // What a step binds, in binding order: its inputs, the placeholder for
  // each slot the shader has and the node does not fill (a dense layer
  // without bias), the constants buffer (nullopt) where the dispatch has
  // constants, then its output. Runs and compiled libraries bind this.
  static std::vector<std::optional<TensorKey>> bindings_of(const Step& step, const Dispatch& d) {
    std::vector<std::optional<TensorKey>> keys(step.inputs.begin(), step.inputs.end());
    const size_t constants = d.constants.empty() ? 0 : 1;
    while (keys.size() + constants + 1 < d.bindings) keys.push_back(kPlaceholder);
    if (constants) keys.push_back(std::nullopt);
    keys.push_back(TensorKey{step.graph, step.node});
    return keys;
  }

  // Every dispatch's constants in one buffer, each starting at a multiple
  // of `alignment`: the words, and each dispatch's byte offset.
  static std::pair<std::vector<uint32_t>, std::vector<uint64_t>> pack_constants(
      const std::vector<Dispatch>& dispatches, uint64_t alignment) {
    std::vector<uint32_t> words;
    std::vector<uint64_t> offsets;
    for (const Dispatch& d : dispatches) {
      offsets.push_back(words.size() * sizeof(uint32_t));
      words.insert(words.end(), d.constants.begin(), d.constants.end());
      words.resize((words.size() * sizeof(uint32_t) + alignment - 1) / alignment * alignment /
                   sizeof(uint32_t));
    }
    return {std::move(words), std::move(offsets)};
  }

  // The range a step reads `t` from: a parameter's, or an activation's.
  BufferRange range_of(const Plan& plan, const TensorKey& t) const {
    if (t == kPlaceholder) return param_buffer_->range(placeholder_offset_, sizeof(float));
    if (auto it = plan.places.find(t); it != plan.places.end())
      return plan.arena->range(it->second.offset, std::max<uint64_t>(it->second.bytes, 4));
    const size_t p =
        static_cast<size_t>(std::find(params_.begin(), params_.end(), t) - params_.begin());
    return param_buffer_->range(param_offsets_.at(p), std::max<uint64_t>(param_bytes(t), 4));
  }

  static uint64_t param_bytes(const TensorKey& key) {
    return static_cast<uint64_t>(key.first->node(key.second).outputs.at(0).elements()) *
           sizeof(float);
  }

  void throw_on_validation_messages() {
    if (const auto said = context_->take_validation_messages(); !said.empty())
      throw std::runtime_error(
          fmt::format("the Vulkan validation layer reported {} message{}:\n  {}", said.size(),
                      said.size() == 1 ? "" : "s", fmt::join(said, "\n  ")));
  }

  ir::Graph graph_;
  const ir::OpRegistry& ops_;
  std::shared_ptr<Context> context_;
  KernelChoice choice_;
  std::vector<Step> steps_;
  std::vector<TensorKey> params_;
  std::vector<TensorKey> outputs_;  // one per graph output
  std::map<const ir::Graph*, std::map<ir::NodeId, TensorKey>> flattened_;
  std::map<std::string, std::unique_ptr<ComputePipeline>, std::less<>> pipelines_;
  std::vector<uint64_t> param_offsets_;  // one per params_ entry
  uint64_t placeholder_offset_ = 0;
  std::unique_ptr<Buffer> param_buffer_, param_staging_;
  std::vector<bool> param_changed_;
  std::unique_ptr<Plan> plan_;  // the last batch size's
};

std::shared_ptr<Context> open_context(const CompileOptions& options) {
  ContextOptions open;
  if (options.device >= 0) open.device = static_cast<uint32_t>(options.device);
  return std::make_shared<Context>(open);
}

class VulkanBackend : public Backend {
 public:
  explicit VulkanBackend(const ir::OpRegistry& ops) : ops_(ops) {}
  std::string name() const override { return "vulkan"; }
  std::string description() const override {
    return "Vulkan compute shaders (GLSL, embedded SPIR-V) on the default device of `cnnc "
           "devices` (--device N): inference and training";
  }
  std::unique_ptr<Executable> compile(const ir::Graph& graph,
                                      const CompileOptions& options) override {
    std::shared_ptr<Context>& context = contexts_[options.device];
    if (!context) context = open_context(options);
    return std::make_unique<VulkanExecutable>(graph, ops_, context,
                                              parse_schedule(options.schedule, context->info()));
  }

 private:
  // One opened device per --device, opened by the first compile that asks.
  std::map<int, std::shared_ptr<Context>> contexts_;
  const ir::OpRegistry& ops_;
};

}  // namespace

std::unique_ptr<Backend> make_vulkan_backend(const ir::OpRegistry& ops) {
  return std::make_unique<VulkanBackend>(ops);
}

NativeVulkanPlan export_native_plan(const ir::Graph& graph, const ir::OpRegistry& ops,
                                    int64_t batch, const CompileOptions& options) {
  const std::shared_ptr<Context> context = open_context(options);
  const VulkanExecutable exe(graph, ops, context,
                             parse_schedule(options.schedule, context->info()));
  return exe.export_plan(batch);
}

std::vector<std::string> lowered_ops() {
  return builtin_lowerings().ops();
}

}  // namespace cnnc::backends::vulkan
