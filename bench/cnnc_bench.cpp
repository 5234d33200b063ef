// cnnc's side of the benchmarks: one Google Benchmark per case of
// bench/cases.json ("layer/d", "model/resnet50/b1"), each timing
// Executable::run on a random input. Loading and compiling happen once per
// case and process, outside the timed loop, followed by warm-up runs.
//
//   cnnc_bench [Google Benchmark flags] [--backend halide] [--threads 2] [--cases FILE]
//
// The backend defaults to $CNNC_BENCH_BACKEND, else "halide".
#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <map>
#include <memory>
#include <random>

#include "backends/backend.h"
#include "bench/bench_cases.h"
#include "bench/prepare_once.h"
#include "ir/cost.h"
#include "runtime/model.h"
#include "runtime/registry.h"

namespace cnnc::bench {
namespace {

struct Settings {
  std::string backend = "halide";
  int threads = 2;
  int warmup_runs = 1;
  uint64_t seed = 1;
  std::string cache_dir;
};

// Multiply-accumulates per batch item summed over the model's nodes (only
// those of op `only_op` when given), the way `cnnc inspect` counts them: on
// the parsed graph, before any pass.
int64_t macs_per_item(const ir::Graph& g, const ir::OpRegistry& ops,
                      std::string_view only_op = {}) {
  int64_t total = 0;
  for (auto id : g.topological_order()) {
    const auto& n = g.node(id);
    if (only_op.empty() || n.op == only_op) total += ir::node_cost(g, id, ops).macs;
  }
  return total;
}

// The .cnn of a single-layer case must compute the convolution that oneDNN
// and PyTorch time: same input shape, same FLOPs, same output shape.
void check_layer_matches(const BenchCase& c, const ir::Graph& parsed, const ir::OpRegistry& ops) {
  const ConvSpec& s = *c.conv;
  auto inputs = parsed.input_nodes();
  ir::Shape want_in{ir::kBatch, s.C, s.H, s.W};
  if (inputs.size() != 1 || parsed.node(inputs[0]).outputs.at(0) != want_in)
    throw std::runtime_error(fmt::format("{}: case {} wants one input {}", c.model.string(), c.name,
                                         ir::to_string(want_in)));
  double flops = 2.0 * static_cast<double>(macs_per_item(parsed, ops, "conv2d") * c.batch);
  if (flops != s.flops(c.batch))
    throw std::runtime_error(
        fmt::format("{}: case {}: the model's conv2d layers do {} FLOPs, the "
                    "case {}",
                    c.model.string(), c.name, flops, s.flops(c.batch)));
  int64_t pool = c.fused ? 2 : 1;
  ir::Shape want_out{ir::kBatch, s.K, s.out_h() / pool, s.out_w() / pool};
  const ir::Shape& out = parsed.shape_of(parsed.outputs().at(0));
  if (out != want_out)
    throw std::runtime_error(fmt::format("{}: case {}: output {}, the case wants {}",
                                         c.model.string(), c.name, ir::to_string(out),
                                         ir::to_string(want_out)));
}

struct Prepared {
  std::unique_ptr<backends::Executable> exe;
  std::vector<ir::Tensor> inputs;
  double flops = 0;              // per run
  double compile_seconds = 0;    // Backend::compile
  double first_run_seconds = 0;  // the first warm-up run
};

Prepared prepare(const BenchCase& c, const Settings& settings) {
  Registry& reg = global_registry();
  backends::Backend* backend = reg.backends.find(settings.backend);
  if (!backend)
    throw std::runtime_error(fmt::format("unknown backend '{}'; registered: {}", settings.backend,
                                         fmt::join(reg.backends.names(), ", ")));
  ir::Graph parsed = parse_model_file(c.model.string(), reg);
  Prepared p;
  if (c.conv) {
    check_layer_matches(c, parsed, reg.ops);
    p.flops = c.conv->flops(c.batch);
  } else {
    p.flops = 2.0 * static_cast<double>(macs_per_item(parsed, reg.ops) * c.batch);
  }
  ModelOptions options;
  options.init = "he";
  options.seed = settings.seed;
  ir::Graph graph = load_model(c.model.string(), reg, options);

  std::mt19937 rng(static_cast<uint32_t>(settings.seed));
  std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
  for (auto id : graph.input_nodes()) {
    ir::Tensor t(graph.node(id).outputs.at(0).with_batch(c.batch));
    for (float& v : t.data()) v = uniform(rng);
    p.inputs.push_back(std::move(t));
  }
  auto seconds_since = [](auto start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  auto start = std::chrono::steady_clock::now();
  p.exe = backend->compile(graph, backends::CompileOptions{.threads = settings.threads,
                                                           .cache_dir = settings.cache_dir});
  p.compile_seconds = seconds_since(start);
  // A backend may finish compiling at the first run (Halide JITs per batch size).
  for (int i = 0; i < settings.warmup_runs; ++i) {
    start = std::chrono::steady_clock::now();
    p.exe->run(p.inputs);
    if (i == 0) p.first_run_seconds = seconds_since(start);
  }
  return p;
}

// Compiled once per case and process: Google Benchmark calls a benchmark's
// function several times while it settles the iteration count.
void run_case(benchmark::State& state, const BenchCase& c, const Settings& settings) {
  Prepared* p = prepare_once<Prepared>(
      state, c.name, [&] { return std::make_unique<Prepared>(prepare(c, settings)); });
  if (!p) return;
  // The kernels' own time, without the reorders between the caller's NCHW
  // and the backend's layout at the model's edges: what oneDNN's
  // primitive time (memory format `any`) is compared with.
  double kernel_seconds = 0, reorder_seconds = 0;
  std::vector<backends::KernelTiming> timings;
  for (auto _ : state) {
    timings.clear();
    auto outputs = p->exe->run_profiled(p->inputs, timings);
    benchmark::DoNotOptimize(outputs.data());
    for (const auto& t : timings)
      (t.op.starts_with("reorder") ? reorder_seconds : kernel_seconds) += t.seconds;
  }
  const auto iterations = static_cast<double>(state.iterations());
  state.counters["kernels_s"] = kernel_seconds / iterations;
  state.counters["edge_reorders_s"] = reorder_seconds / iterations;
  state.SetItemsProcessed(state.iterations() * c.batch);
  state.counters["FLOP/s"] =
      benchmark::Counter(p->flops, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["flops"] = p->flops;
  state.counters["batch"] = static_cast<double>(c.batch);
  state.counters["compile_s"] = p->compile_seconds;
  state.counters["first_run_s"] = p->first_run_seconds;
  state.SetLabel(settings.backend);
}

}  // namespace
}  // namespace cnnc::bench

int main(int argc, char** argv) {
  using namespace cnnc::bench;
  benchmark::Initialize(&argc, argv);
  Settings settings;
  if (const char* env = std::getenv("CNNC_BENCH_BACKEND")) settings.backend = env;
  std::string cases_file = CNNC_BENCH_CASES;
  CLI::App app{"cnnc's benchmarks (Google Benchmark flags are accepted too)"};
  app.add_option("--backend", settings.backend,
                 "cnnc backend (default $CNNC_BENCH_BACKEND or halide)");
  app.add_option("--threads", settings.threads, "worker threads")->check(CLI::PositiveNumber);
  app.add_option("--warmup-runs", settings.warmup_runs, "untimed runs after compiling")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--seed", settings.seed, "seed for He-initialized weights and the inputs");
  app.add_option("--cache-dir", settings.cache_dir, "the backend's compiled-kernel cache");
  app.add_option("--cases", cases_file, "the cases file")->check(CLI::ExistingFile);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    app.exit(e);  // prints the message or the help
    return e.get_exit_code() == 0 ? 0 : 2;
  }
  // Halide's JIT runtime sizes its thread pool from this variable.
  setenv("HL_NUM_THREADS", std::to_string(settings.threads).c_str(), 0);

  std::vector<BenchCase> cases;
  try {
    cases = read_cases(cases_file);
  } catch (const std::exception& e) {
    std::cerr << "cnnc_bench: " << e.what() << "\n";
    return 1;
  }
  for (const auto& c : cases)
    benchmark::RegisterBenchmark(c.name.c_str(),
                                 [c, settings](benchmark::State& s) { run_case(s, c, settings); })
        ->Unit(benchmark::kMillisecond)
        // Wall time, also for the rates: the work runs on a thread pool, so
        // the main thread's CPU time says little. Names get "/real_time".
        ->UseRealTime();
  benchmark::AddCustomContext("cnnc_backend", settings.backend);
  benchmark::AddCustomContext("cnnc_threads", std::to_string(settings.threads));
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
