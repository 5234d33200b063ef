#include "backends/halide/halide_backend.h"

#include <Halide.h>
#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <exception>
#include <map>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>
#include <utility>

#include "backends/halide/kernel_builder.h"
#include "backends/halide/kernel_cache.h"
#include "backends/halide/kernel_desc.h"
#include "backends/halide/lowering_table.h"
#include "backends/halide/native_plan.h"
#include "backends/halide/nchw.h"
#include "backends/halide/schedule_heuristics.h"
#include "backends/halide/shared_library.h"
#include "backends/halide/weight_packing.h"
#include "ir/parallel_for.h"
#include "passes/memory_plan.h"

namespace cnnc::backends::halide {

namespace {

namespace hl = Halide;
namespace fs = std::filesystem;

using KernelFunction = int (*)(void**);

// Halide's autoscheduler plugins ship next to libHalide in Debian's package.
void load_autoscheduler(const std::string& name) {
  static std::mutex mutex;
  static std::set<std::string> loaded;
  std::lock_guard lock(mutex);
  if (loaded.count(name)) return;
  std::string lower = name;
  std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
  const fs::path path = fs::path(CNNC_HALIDE_PLUGIN_DIR) / ("libautoschedule_" + lower + ".so");
  if (!fs::exists(path))
    throw std::runtime_error(fmt::format(
        "Halide's {} autoscheduler is not installed ('{}' is missing; it comes with Debian's "
        "libhalide14-0-dev)",
        name, path.string()));
  hl::load_plugin(path.string());
  loaded.insert(name);
}

// Halide's runtime reports a kernel's failure (an allocation, a bounds
// check) through one process-wide handler whose default prints and aborts.
// This one keeps the message instead, so the kernel returns its error code
// and the run throws, naming the layer and the runtime's words. Whichever
// thread (a pool worker, too) reports last wins: it is an error path.
class RuntimeErrors {
 public:
  static void record(void* /*user_context*/, const char* message) {
    std::lock_guard lock(mutex());
    last() = message ? message : "";
    while (!last().empty() && last().back() == '\n') last().pop_back();
  }
  static std::string take() {
    std::lock_guard lock(mutex());
    return std::exchange(last(), std::string{});
  }

 private:
  static std::mutex& mutex() {
    static std::mutex m;
    return m;
  }
  static std::string& last() {
    static std::string message;
    return message;
  }
};

// The Halide runtime every kernel library of this process calls into: one
// copy (one thread pool), loaded with global visibility before any kernel.
class HalideRuntime {
 public:
  HalideRuntime(KernelCache& cache, const hl::Target& target) {
    const std::string name = fmt::format("halide_runtime-{}.so", content_hash(target.to_string()));
    fs::path so = cache.entry(name, target.to_string(), [&](const fs::path& tmp) {
      const fs::path object = tmp.string() + ".o";
      hl::compile_standalone_runtime(object.string(), target);
      std::vector<fs::path> objects{object};
      try {
        link_shared_library(objects, tmp);
      } catch (...) {
        fs::remove(object);
        throw;
      }
      fs::remove(object);
    });
    library_ = std::make_unique<SharedLibrary>(so, SharedLibrary::Visibility::Global);
    set_threads_ = reinterpret_cast<int (*)(int)>(library_->symbol("halide_set_num_threads"));
    using ErrorHandler = void (*)(void*, const char*);
    reinterpret_cast<ErrorHandler (*)(ErrorHandler)>(library_->symbol("halide_set_error_handler"))(
        &RuntimeErrors::record);
  }
  void set_threads(int n) const { set_threads_(n); }

 private:
  std::unique_ptr<SharedLibrary> library_;
  int (*set_threads_)(int) = nullptr;
};

// Where a kernel's argument lives during a run, resolved once per batch
// size so that running is only pointer arithmetic.
struct Operand {
  enum class Source { Input, Output, Arena, Weight } source = Source::Arena;
  size_t index = 0;                    // Input, Output: position among the run's inputs/results
  int64_t offset = 0;                  // Arena: byte offset
  const ir::Tensor* weight = nullptr;  // Weight: the (packed) weight
  std::vector<int> sizes;              // Halide's order
};

struct Step {
  KernelDesc desc;
  KernelFunction function = nullptr;
  std::vector<Operand> operands;  // the arguments, then the output
};

// Everything compiled for one batch size.
struct BatchPlan {
  std::shared_ptr<SharedLibrary> library;
  std::vector<Step> steps;
  passes::MemoryPlan memory;
  // The memory plan's arena, then the blocked copies of model inputs and
  // outputs that reorder steps convert at the model's edges.
  int64_t arena_bytes = 0;
  // Per model output, where its values come from: itself when a kernel
  // writes it, else a model input or an earlier output listing the same tensor.
  std::vector<Operand> output_sources;
  double compile_seconds = 0;
};

struct Arena {
  std::unique_ptr<std::byte, decltype(&std::free)> data{nullptr, &std::free};
  int64_t bytes = 0;
};

class HalideExecutable final : public Executable {
 public:
  HalideExecutable(const ir::Graph& graph, const ir::OpRegistry& ops,
                   std::shared_ptr<const LoweringTable> lowerings, const hl::Target& target,
                   const CompileOptions& options, std::shared_ptr<KernelCache> cache,
                   std::shared_ptr<HalideRuntime> runtime)
      : graph_(graph),
        order_(graph_.topological_order()),
        ops_(ops),
        lowerings_(std::move(lowerings)),
        target_(target),
        options_(options),
        cache_(std::move(cache)),
        runtime_(std::move(runtime)) {
    for (auto id : order_) {
      const auto& node = graph_.node(id);
      if (node.kind == ir::NodeKind::Param && !node.value)
        throw std::runtime_error(
            fmt::format("parameter '{}' has no value: load weights or use --init", node.name));
      if (node.kind == ir::NodeKind::Op) check_lowerable(graph_, id, "");
    }
    // Describing every kernel now reports a layer no schedule or lowering
    // can take at compile time rather than at the first run.
    for (auto id : order_)
      if (graph_.node(id).kind == ir::NodeKind::Op)
        describe_kernel(graph_, id, 1, ops_, target_.to_string(), options_.schedule);
  }

  std::vector<ir::Tensor> run(std::span<const ir::Tensor> inputs) override {
    return execute(inputs, nullptr);
  }

  std::vector<ir::Tensor> run_profiled(std::span<const ir::Tensor> inputs,
                                       std::vector<KernelTiming>& timings) override {
    return execute(inputs, &timings);
  }

  // The new values go into the tensor the compiled steps point at, and into
  // its packed copies in place, so no plan needs rebuilding.
  void set_param(std::string_view name, std::span<const float> values) override {
    ir::Node& node = param_to_set(graph_, name, values.size());
    std::copy(values.begin(), values.end(), node.value->data().begin());
    std::lock_guard lock(packed_mutex_);
    for (auto& [key, packed] : packed_)
      if (key.first == &*node.value) {
        const ir::Tensor repacked = block_output_channels(*node.value, key.second);
        std::copy(repacked.data().begin(), repacked.data().end(), packed.data().begin());
      }
  }

  int64_t peak_activation_bytes(int64_t batch) const override {
    int64_t bytes = 0;
    {
      std::lock_guard lock(compile_mutex_);
      if (auto it = plans_.find(batch); it != plans_.end()) bytes = it->second->arena_bytes;
    }
    if (!bytes) bytes = memory_plan(batch).arena_bytes;
    for (auto id : graph_.input_nodes()) bytes += graph_.node(id).outputs[0].elements(batch) * 4;
    for (auto t : graph_.outputs()) bytes += graph_.shape_of(t).elements(batch) * 4;
    return bytes;
  }

 private:
  void check_lowerable(const ir::Graph& g, ir::NodeId id, const std::string& within) const {
    const auto& node = g.node(id);
    if (node.body) {
      for (auto inner : node.body->topological_order())
        if (node.body->node(inner).kind == ir::NodeKind::Op)
          check_lowerable(*node.body, inner, fmt::format(" (fused into '{}')", node.name));
      return;
    }
    if (!lowerings_->has(node.op))
      throw std::runtime_error(fmt::format("{}: layer '{}'{}: op '{}' has no Halide lowering",
                                           node.source.describe(), node.name, within, node.op));
  }

  passes::MemoryPlan memory_plan(int64_t batch) const {
    std::set<std::pair<ir::NodeId, int>> outputs;
    for (auto t : graph_.outputs()) outputs.insert({t.node, t.port});
    return passes::plan_memory(
        passes::activation_intervals(graph_, order_, batch), 64, [&](ir::TensorRef t) {
          return graph_.node(t.node).kind == ir::NodeKind::Op && !outputs.count({t.node, t.port});
        });
  }

  std::shared_ptr<const BatchPlan> plan_for(int64_t batch) {
    std::lock_guard lock(compile_mutex_);
    if (auto it = plans_.find(batch); it != plans_.end()) return it->second;
    auto plan = compile_batch(batch);
    plans_.emplace(batch, plan);
    return plan;
  }

  using TensorKey = std::pair<ir::NodeId, int>;
  static TensorKey key_of(ir::TensorRef t) { return {t.node, t.port}; }

  bool is_model_output(ir::TensorRef t) const {
    return std::find(graph_.outputs().begin(), graph_.outputs().end(), t) != graph_.outputs().end();
  }

  // A model input is reordered to the blocked layout up front when every
  // kernel reading it is a convolution that loads channel vectors (4-D,
  // channels a multiple of the block): a single-layer model then runs its
  // convolution on blocked data, as a layer inside a model does.
  bool reorder_input(ir::NodeId input, int64_t batch, int block) const {
    const ir::Shape shape = graph_.node(input).outputs.at(0).with_batch(batch);
    if (shape.rank() != 4 || shape[1] % block) return false;
    const auto readers = graph_.consumers_of(input);
    for (auto id : readers) {
      const KernelDesc d =
          describe_kernel(graph_, id, batch, ops_, target_.to_string(), options_.schedule);
      const bool vectors_of_channels = d.schedule.kind == ScheduleTemplate::ConvChannels ||
                                       d.schedule.kind == ScheduleTemplate::Depthwise;
      if (!vectors_of_channels || graph_.inputs_of(id).at(0) != ir::TensorRef{input, 0})
        return false;
    }
    return !readers.empty();
  }

  // The kernels of one batch size in run order, with their layouts chosen
  // producer before consumer: each kernel sees its inputs' blocks and picks
  // its output's. Blocked model inputs and outputs get reorder steps and a
  // blocked copy in `scratch` (offsets past the memory plan's arena).
  std::vector<KernelDesc> plan_kernels(int64_t batch, std::map<TensorKey, int64_t>& scratch,
                                       int64_t& arena_bytes) const {
    const std::string target = target_.to_string();
    const bool blocked = options_.layout != "nchw";
    const int block = target_traits(target).vector_width;
    std::map<TensorKey, int> block_of;
    std::vector<KernelDesc> kernels;
    auto add_scratch = [&](ir::TensorRef t, const ir::Shape& shape) {
      scratch[key_of(t)] = arena_bytes;
      arena_bytes += (shape.elements() * 4 + 63) / 64 * 64;
    };
    if (blocked && options_.schedule.empty())
      for (auto id : graph_.input_nodes())
        if (reorder_input(id, batch, block)) {
          const ir::Shape shape = graph_.node(id).outputs.at(0).with_batch(batch);
          kernels.push_back(
              describe_reorder(fmt::format("{}>{}", graph_.node(id).name, layout_name(block)),
                               {id, 0}, shape, 0, block, target));
          block_of[{id, 0}] = block;
          add_scratch({id, 0}, shape);
        }
    // A tensor is blocked only where every kernel reading it takes blocks.
    auto readers_take_blocks = [&](ir::NodeId id) {
      for (auto reader : graph_.consumers_of(id))
        if (!reads_channel_blocks(graph_.node(reader), ops_)) return false;
      return true;
    };
    LayoutContext layouts{.input_block =
                              [&](ir::TensorRef t) {
                                auto it = block_of.find(key_of(t));
                                return it == block_of.end() ? 0 : it->second;
                              },
                          .output_may_block = blocked};
    for (auto id : order_) {
      if (graph_.node(id).kind != ir::NodeKind::Op) continue;
      layouts.output_may_block = blocked && readers_take_blocks(id);
      KernelDesc d = describe_kernel(graph_, id, batch, ops_, target, options_.schedule, layouts);
      const int out_block = d.output_block;
      block_of[{id, 0}] = out_block;
      kernels.push_back(std::move(d));
      if (out_block && is_model_output({id, 0})) {
        const ir::Shape shape = kernels.back().output_shape;
        kernels.push_back(
            describe_reorder(fmt::format("{}>{}", kernels.back().name, layout_name(0)), {id, 0},
                             shape, out_block, 0, target));
        add_scratch({id, 0}, shape);
      }
    }
    return kernels;
  }

  // `load`: link the kernels into a library and load it, to run them; a
  // plan for another machine (`cnnc compile --target`) only compiles them.
  std::shared_ptr<const BatchPlan> compile_batch(int64_t batch, bool load = true) {
    const auto start = std::chrono::steady_clock::now();
    auto plan = std::make_shared<BatchPlan>();
    plan->memory = memory_plan(batch);
    plan->arena_bytes = plan->memory.arena_bytes;
    std::map<TensorKey, int64_t> scratch;
    std::string library_signature;
    for (auto& desc : plan_kernels(batch, scratch, plan->arena_bytes)) {
      library_signature += desc.key + "\n";
      plan->steps.push_back({.desc = std::move(desc)});
    }
    const std::string library_name = fmt::format("model-{}.so", content_hash(library_signature));
    if (!load || !cache_->has(library_name, library_signature)) compile_objects(*plan);
    if (load) {
      fs::path so = cache_->entry(library_name, library_signature, [&](const fs::path& tmp) {
        link_shared_library(compile_objects(*plan), tmp);
      });
      plan->library = std::make_shared<SharedLibrary>(so, SharedLibrary::Visibility::Local);
    }
    // A blocked tensor lives in its scratch copy; the plain one is the
    // model's input or output buffer.
    auto place = [&](ir::TensorRef t, int block) {
      if (block)
        if (auto it = scratch.find(key_of(t)); it != scratch.end())
          return Operand{.source = Operand::Source::Arena, .offset = it->second};
      return locate(t, plan->memory);
    };
    for (auto& step : plan->steps) {
      if (load)
        step.function = reinterpret_cast<KernelFunction>(
            plan->library->symbol(step.desc.function_name() + "_argv"));
      for (const auto& arg : step.desc.arguments) {
        Operand op = arg.is_weight ? Operand{.source = Operand::Source::Weight,
                                             .weight = &packed(*arg.weight, arg.block)}
                                   : place(arg.activation, arg.layout_block);
        op.sizes = halide_sizes(arg.passed_shape());
        step.operands.push_back(std::move(op));
      }
      Operand out = place({step.desc.node, 0}, step.desc.output_block);
      out.sizes = halide_sizes(step.desc.passed_output_shape());
      step.operands.push_back(std::move(out));
    }
    for (auto t : graph_.outputs()) plan->output_sources.push_back(locate(t, plan->memory));
    plan->compile_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return plan;
  }

  // A model input, a model output, or a place in the arena.
  Operand locate(ir::TensorRef t, const passes::MemoryPlan& memory) const {
    const auto input_nodes = graph_.input_nodes();
    for (size_t i = 0; i < input_nodes.size(); ++i)
      if (input_nodes[i] == t.node) return {.source = Operand::Source::Input, .index = i};
    for (size_t i = 0; i < graph_.outputs().size(); ++i)
      if (graph_.outputs()[i] == t) return {.source = Operand::Source::Output, .index = i};
    const passes::BufferPlacement* place = memory.find(t);
    if (!place) throw std::logic_error("Halide backend: a tensor has no buffer");
    return {.source = Operand::Source::Arena, .offset = place->offset};
  }

  // The object file of every distinct kernel, compiled in parallel when
  // missing from the cache; in the order of first use.
  std::vector<fs::path> compile_objects(const BatchPlan& plan) {
    std::vector<const KernelDesc*> distinct;
    std::set<std::string> seen;
    for (const auto& step : plan.steps)
      if (seen.insert(step.desc.key).second) distinct.push_back(&step.desc);
    std::vector<fs::path> objects(distinct.size());
    const hl::Target kernel_target = target_.with_feature(hl::Target::NoRuntime);
    const unsigned workers = std::max(1u, std::min(8u, std::thread::hardware_concurrency()));
    ir::parallel_for(distinct.size(), workers, [&](size_t i) {
      const KernelDesc& desc = *distinct[i];
      objects[i] =
          cache_->entry(fmt::format("k{}.o", desc.key), desc.signature, [&](const fs::path& tmp) {
            if (desc.schedule.kind == ScheduleTemplate::Auto)
              load_autoscheduler(desc.schedule.autoscheduler);
            BuiltKernel built = build_kernel(graph_, desc, *lowerings_, target_);
            built.pipeline.compile_to_object(tmp.string(), built.arguments, desc.function_name(),
                                             kernel_target);
            // For people tuning schedules: the loop nest Halide generated.
            if (const char* dir = std::getenv("CNNC_HALIDE_STMT_DIR"); dir && *dir)
              built.pipeline.compile_to_lowered_stmt(
                  (fs::path(dir) / (desc.name + "-" + desc.key + ".stmt")).string(),
                  built.arguments, hl::Text, kernel_target);
          });
    });
    return objects;
  }

  // A weight in the layout its kernel reads; packed once and shared by
  // every batch size.
  const ir::Tensor& packed(const ir::Tensor& weight, int block) {
    if (!block) return weight;
    std::lock_guard lock(packed_mutex_);
    auto [it, inserted] = packed_.try_emplace({&weight, block});
    if (inserted) it->second = block_output_channels(weight, block);
    return it->second;
  }

  std::unique_ptr<Arena> acquire_arena(int64_t bytes) {
    {
      std::lock_guard lock(arena_mutex_);
      for (auto it = arenas_.begin(); it != arenas_.end(); ++it)
        if ((*it)->bytes >= bytes) {
          auto arena = std::move(*it);
          arenas_.erase(it);
          return arena;
        }
    }
    auto arena = std::make_unique<Arena>();
    const int64_t rounded = std::max<int64_t>((bytes + 63) / 64 * 64, 64);
    arena->data.reset(static_cast<std::byte*>(std::aligned_alloc(64, rounded)));
    if (!arena->data) throw std::bad_alloc();
    arena->bytes = rounded;
    return arena;
  }

  void release_arena(std::unique_ptr<Arena> arena) {
    std::lock_guard lock(arena_mutex_);
    arenas_.push_back(std::move(arena));
  }

  std::vector<ir::Tensor> execute(std::span<const ir::Tensor> inputs,
                                  std::vector<KernelTiming>* timings) {
    const int64_t batch = check_run_inputs(graph_, inputs);
    auto plan = plan_for(batch);
    std::unique_ptr<Arena> arena = acquire_arena(plan->arena_bytes);
    struct Release {
      HalideExecutable* self;
      std::unique_ptr<Arena>& arena;
      ~Release() { self->release_arena(std::move(arena)); }
    } release{this, arena};

    std::vector<ir::Tensor> results;
    for (auto t : graph_.outputs()) results.emplace_back(graph_.shape_of(t).with_batch(batch));
    // Halide only reads its inputs; Buffer has no const-element constructor.
    auto data_of = [&](const Operand& op) -> float* {
      switch (op.source) {
        case Operand::Source::Input:
          return const_cast<float*>(inputs[op.index].raw());
        case Operand::Source::Output:
          return results[op.index].raw();
        case Operand::Source::Weight:
          return const_cast<float*>(op.weight->raw());
        case Operand::Source::Arena:
          break;
      }
      return reinterpret_cast<float*>(arena->data.get() + op.offset);
    };

    std::vector<hl::Runtime::Buffer<float>> buffers;
    std::vector<void*> argv;
    for (const Step& step : plan->steps) {
      const auto start = std::chrono::steady_clock::now();
      buffers.clear();
      argv.clear();
      buffers.reserve(step.operands.size());
      for (const Operand& op : step.operands) buffers.emplace_back(data_of(op), op.sizes);
      for (auto& b : buffers) argv.push_back(b.raw_buffer());
      if (int rc = step.function(argv.data()); rc != 0) {
        const std::string why = RuntimeErrors::take();
        throw std::runtime_error(fmt::format("layer '{}': its Halide kernel failed (error {}){}{}",
                                             step.desc.name, rc, why.empty() ? "" : ": ", why));
      }
      if (timings)
        timings->push_back(
            {.name = step.desc.name,
             .op = step.desc.label,
             .seconds =
                 std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(),
             .macs = step.desc.macs,
             .layout = layout_name(step.desc.output_block)});
    }
    // Outputs that no kernel wrote: a model input passed through, or a
    // tensor listed as an output twice.
    for (size_t i = 0; i < results.size(); ++i) {
      const Operand& from = plan->output_sources[i];
      if (from.source == Operand::Source::Input || from.index != i)
        std::copy_n(data_of(from), results[i].size(), results[i].raw());
    }
    return results;
  }

 public:
  // The plan of `batch` as data for `cnnc compile`: kernels compiled,
  // weights packed and gathered into one blob.
  NativePlan export_plan(int64_t batch) {
    auto plan = compile_batch(batch, /*load=*/false);
    NativePlan n;
    n.target = target_.to_string();
    n.batch = batch;
    n.arena_bytes = plan->arena_bytes;
    n.objects = compile_objects(*plan);
    std::map<const ir::Tensor*, int64_t> placed;
    const auto convert = [&](const Operand& op) {
      NativeOperand o{.source = static_cast<NativeOperand::Source>(op.source),
                      .index = op.index,
                      .offset = op.offset,
                      .sizes = op.sizes};
      if (op.source == Operand::Source::Weight) {
        auto [it, fresh] = placed.try_emplace(op.weight, 0);
        if (fresh) {
          n.weights.resize((n.weights.size() + 15) / 16 * 16);
          it->second = static_cast<int64_t>(n.weights.size() * sizeof(float));
          n.weights.insert(n.weights.end(), op.weight->data().begin(), op.weight->data().end());
        }
        o.offset = it->second;
      }
      return o;
    };
    for (const Step& step : plan->steps) {
      NativeCall call{.function = step.desc.function_name() + "_argv", .layer = step.desc.name};
      for (const Operand& op : step.operands) call.operands.push_back(convert(op));
      n.calls.push_back(std::move(call));
    }
    for (const Operand& op : plan->output_sources) n.output_sources.push_back(convert(op));
    for (ir::NodeId id : graph_.input_nodes())
      n.inputs.push_back({graph_.node(id).name, graph_.node(id).outputs.at(0).with_batch(batch)});
    for (ir::TensorRef t : graph_.outputs())
      n.outputs.push_back({graph_.node(t.node).name, graph_.shape_of(t).with_batch(batch)});
    return n;
  }

 private:
  ir::Graph graph_;
  std::vector<ir::NodeId> order_;
  const ir::OpRegistry& ops_;
  // Shared with the backend: an executable may outlive it, and compiles
  // each new batch size from these lowerings.
  std::shared_ptr<const LoweringTable> lowerings_;
  hl::Target target_;
  CompileOptions options_;
  std::shared_ptr<KernelCache> cache_;
  std::shared_ptr<HalideRuntime> runtime_;

  mutable std::mutex compile_mutex_;
  std::map<int64_t, std::shared_ptr<const BatchPlan>> plans_;
  std::mutex packed_mutex_;
  std::map<std::pair<const ir::Tensor*, int>, ir::Tensor> packed_;
  std::mutex arena_mutex_;
  std::vector<std::unique_ptr<Arena>> arenas_;
};

class HalideBackend final : public Backend {
 public:
  HalideBackend(const ir::OpRegistry& ops, const std::string& target)
      : ops_(ops),
        target_(target.empty() ? hl::get_target_from_environment() : hl::Target(target)) {
    auto lowerings = std::make_shared<LoweringTable>();
    register_builtin_lowerings(*lowerings);
    lowerings_ = std::move(lowerings);
  }
  std::string name() const override { return "halide"; }
  std::string description() const override {
    return fmt::format(
        "Halide 14, compiled ahead of time for {} into a kernel cache; tiled convolution and "
        "dense schedules, fused kernels",
        target_.to_string());
  }
  std::unique_ptr<Executable> compile(const ir::Graph& graph,
                                      const CompileOptions& options) override {
    if (options.layout != "auto" && options.layout != "nchw")
      throw std::invalid_argument(
          fmt::format("unknown layout '{}': use auto or nchw", options.layout));
    auto cache = std::make_shared<KernelCache>(
        options.cache_dir.empty() ? default_cache_dir() : fs::path(options.cache_dir));
    auto runtime = runtime_for(*cache);
    if (options.threads > 0) runtime->set_threads(options.threads);
    return std::make_unique<HalideExecutable>(graph, ops_, lowerings_, target_, options,
                                              std::move(cache), std::move(runtime));
  }

 private:
  std::shared_ptr<HalideRuntime> runtime_for(KernelCache& cache) {
    std::lock_guard lock(mutex_);
    if (!runtime_) runtime_ = std::make_shared<HalideRuntime>(cache, target_);
    return runtime_;
  }

  const ir::OpRegistry& ops_;
  std::shared_ptr<const LoweringTable> lowerings_;
  hl::Target target_;
  std::mutex mutex_;
  std::shared_ptr<HalideRuntime> runtime_;
};

}  // namespace

NativePlan export_native_plan(const ir::Graph& graph, const ir::OpRegistry& ops, int64_t batch,
                              const std::string& target, const CompileOptions& options,
                              const fs::path& work_dir) {
  auto lowerings = std::make_shared<LoweringTable>();
  register_builtin_lowerings(*lowerings);
  const hl::Target t = target.empty() ? hl::get_target_from_environment() : hl::Target(target);
  auto cache = std::make_shared<KernelCache>(
      options.cache_dir.empty() ? default_cache_dir() : fs::path(options.cache_dir));
  // Nothing is loaded or run: the target may be another machine's.
  HalideExecutable exe(graph, ops, std::move(lowerings), t, options, cache, nullptr);
  NativePlan plan = exe.export_plan(batch);
  const fs::path runtime = work_dir / "halide_runtime.o";
  hl::compile_standalone_runtime(runtime.string(), t);
  plan.objects.push_back(runtime);
  return plan;
}

std::unique_ptr<Backend> make_halide_backend(const ir::OpRegistry& ops, const std::string& target) {
  return std::make_unique<HalideBackend>(ops, target);
}

std::vector<std::string> lowered_ops() {
  LoweringTable table;
  register_builtin_lowerings(table);
  return table.ops();
}

}  // namespace cnnc::backends::halide
