// `cnnc bench MODEL`: latency, throughput, memory and a per-kernel profile
// of a backend on seeded random inputs; --compare runs a second backend
// interleaved with the first and checks that their outputs agree.
//
// Latency figures come only from plain Executable::run calls. The kernel
// table comes from separate run_profiled calls made after them, so
// per-kernel timing (which a backend may get only by instrumenting its code)
// never inflates the latency.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <iostream>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <numeric>
#include <optional>
#include <random>
#include <thread>

#include "ir/cost.h"
#include "tools/cnnc/command.h"
#include "tools/cnnc/run_options.h"
#include "tools/cnnc/units.h"

namespace cnnc::cli {

namespace {

struct BenchOptions {
  std::string model, compare;
  WeightsChoice weights;
  BackendChoice backend;
  int64_t batch = 1;
  int iters = 50, warmup = 3, profile_iters = 10;
  double tolerance = 1e-4;
  bool json = false;
};

// What every backend runs and what one run computes.
struct Workload {
  ir::Graph graph;
  std::vector<ir::Tensor> inputs;
  int64_t batch = 1;
  int64_t macs_per_item = 0;
  int64_t weight_bytes = 0;
  // GFLOP/s (2 FLOPs per MAC) of one run taking `seconds`.
  double gflops(double seconds) const {
    return 2.0 * static_cast<double>(macs_per_item * batch) / seconds / 1e9;
  }
};

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Uniform [0, 1) values (the range `cnnc run` scales images to) for every
// model input at `batch`.
std::vector<ir::Tensor> random_inputs(const ir::Graph& g, int64_t batch, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> uniform(0.0f, 1.0f);
  std::vector<ir::Tensor> inputs;
  for (auto id : g.input_nodes()) {
    ir::Tensor t(g.node(id).outputs.at(0).with_batch(batch));
    for (auto& v : t.data()) v = uniform(rng);
    inputs.push_back(std::move(t));
  }
  return inputs;
}

struct Stats {
  double median = 0, p90 = 0, min = 0, mean = 0;  // seconds
};

// The median (mean of the middle two for an even count) and the
// nearest-rank 90th percentile of a non-empty sample.
Stats stats_of(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  return {.median = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2,
          .p90 = v[static_cast<size_t>(std::ceil(0.9 * static_cast<double>(n))) - 1],
          .min = v.front(),
          .mean = std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(n)};
}

struct KernelRow {
  std::string name, op, layout;
  int64_t macs = 0;             // at the run's batch
  std::vector<double> seconds;  // one per profiled run
  double median = 0;
};

// One backend's measurements.
struct Measured {
  std::string backend;
  std::unique_ptr<backends::Executable> exe;
  double compile_s = 0, first_run_s = 0;
  int64_t peak_bytes = 0;
  std::vector<ir::Tensor> outputs;  // of the first run
  std::vector<double> latencies;    // seconds, one per timed run
  int profiled_runs = 0;
  std::vector<KernelRow> kernels;  // execution order until summarize(), then slowest first
  std::map<std::string, size_t> kernel_index;

  void add_profile(const std::vector<backends::KernelTiming>& timings) {
    for (const auto& t : timings) {
      auto [it, added] = kernel_index.try_emplace(t.name, kernels.size());
      if (added)
        kernels.push_back({.name = t.name, .op = t.op, .layout = t.layout, .macs = t.macs});
      auto& seconds = kernels[it->second].seconds;
      // A kernel missing from earlier runs counts 0 there; one run twice, the sum.
      seconds.resize(static_cast<size_t>(profiled_runs) + 1, 0.0);
      seconds.back() += t.seconds;
    }
    ++profiled_runs;
  }

  void summarize() {
    for (auto& k : kernels) {
      k.seconds.resize(static_cast<size_t>(profiled_runs), 0.0);
      k.median = stats_of(k.seconds).median;
    }
    std::stable_sort(kernels.begin(), kernels.end(),
                     [](const KernelRow& a, const KernelRow& b) { return a.median > b.median; });
  }

  double kernels_total() const {
    double total = 0;
    for (const auto& k : kernels) total += k.median;
    return total;
  }
};

Measured compile_and_run_once(backends::Backend& backend, const Workload& w,
                              const BackendChoice& choice) {
  Measured m;
  m.backend = backend.name();
  auto start = Clock::now();
  m.exe = backend.compile(w.graph, choice.compile_options());
  m.compile_s = seconds_since(start);
  // Backends may compile per batch size on the first run: it is part of compiling.
  start = Clock::now();
  m.outputs = m.exe->run(w.inputs);
  m.first_run_s = seconds_since(start);
  m.peak_bytes = m.exe->peak_activation_bytes(w.batch);
  return m;
}

struct Agreement {
  double max_abs = 0, max_rel = 0;  // rel: |a - b| / max(1, |b|), as tests/halide measures
  std::string mismatch;             // a shape or count mismatch, else empty
  bool within(double tolerance) const { return mismatch.empty() && max_rel <= tolerance; }
};

Agreement compare_outputs(const ir::Graph& g, const std::vector<ir::Tensor>& a,
                          const std::vector<ir::Tensor>& b) {
  Agreement r;
  if (a.size() != b.size()) {
    r.mismatch = fmt::format("{} outputs against {}", a.size(), b.size());
    return r;
  }
  constexpr double inf = std::numeric_limits<double>::infinity();
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].shape() != b[i].shape()) {
      r.mismatch =
          fmt::format("output '{}' has shape {} against {}", g.node(g.outputs()[i].node).name,
                      ir::to_string(a[i].shape()), ir::to_string(b[i].shape()));
      return r;
    }
    for (int64_t k = 0; k < a[i].size(); ++k) {
      double x = a[i][k], y = b[i][k];
      if (!std::isfinite(x) || !std::isfinite(y)) {
        bool same = x == y || (std::isnan(x) && std::isnan(y));
        if (!same) r.max_abs = r.max_rel = inf;
        continue;
      }
      double d = std::abs(x - y);
      r.max_abs = std::max(r.max_abs, d);
      r.max_rel = std::max(r.max_rel, d / std::max(1.0, std::abs(y)));
    }
  }
  return r;
}

double ms(double seconds) {
  return seconds * 1e3;
}

// GFLOP/s of a kernel (2 FLOPs per MAC); nullopt when its MACs are unknown.
std::optional<double> gflops(const KernelRow& k) {
  if (k.macs <= 0 || k.median <= 0) return std::nullopt;
  return 2.0 * static_cast<double>(k.macs) / k.median / 1e9;
}

nlohmann::json measured_json(const Measured& m, const Workload& w) {
  Stats s = stats_of(m.latencies);
  double total = m.kernels_total();
  nlohmann::json kernels = nlohmann::json::array();
  for (const auto& k : m.kernels) {
    auto g = gflops(k);
    kernels.push_back({{"name", k.name},
                       {"op", k.op},
                       {"layout", k.layout},
                       {"median_ms", ms(k.median)},
                       {"percent", total > 0 ? 100.0 * k.median / total : 0.0},
                       {"macs", k.macs},
                       {"gflops", g ? nlohmann::json(*g) : nlohmann::json(nullptr)}});
  }
  return {{"backend", m.backend},
          {"median_ms", ms(s.median)},
          {"p90_ms", ms(s.p90)},
          {"min_ms", ms(s.min)},
          {"mean_ms", ms(s.mean)},
          {"images_per_s", static_cast<double>(w.batch) / s.median},
          {"gflops", w.gflops(s.median)},
          {"compile_s", m.compile_s + m.first_run_s},
          {"compile_backend_s", m.compile_s},
          {"first_run_s", m.first_run_s},
          {"peak_memory_bytes", m.peak_bytes},
          {"profile_iters", m.profiled_runs},
          {"kernels", std::move(kernels)}};
}

void print_json(const BenchOptions& o, const Workload& w, const std::vector<Measured>& runs,
                const Agreement* agreement) {
  nlohmann::json j = {{"model", w.graph.name},
                      {"file", o.model},
                      {"pipeline", o.weights.pipeline},
                      {"batch", o.batch},
                      {"threads", o.backend.threads},
                      {"iters", o.iters},
                      {"warmup", o.warmup},
                      {"macs_per_item", w.macs_per_item},
                      {"weight_bytes", w.weight_bytes}};
  j.update(measured_json(runs[0], w));
  if (agreement) {
    nlohmann::json c = measured_json(runs[1], w);
    c["speedup"] = stats_of(runs[1].latencies).median / stats_of(runs[0].latencies).median;
    c["max_abs_diff"] = agreement->max_abs;
    c["max_rel_diff"] = agreement->max_rel;
    c["tolerance"] = o.tolerance;
    c["outputs_agree"] = agreement->within(o.tolerance);
    if (!agreement->mismatch.empty()) c["mismatch"] = agreement->mismatch;
    j["compare"] = std::move(c);
  }
  std::cout << j.dump(2) << "\n";
}

void print_summary(const Measured& m, const BenchOptions& o, const Workload& w, bool interleaved) {
  Stats s = stats_of(m.latencies);
  std::cout << fmt::format("{}:\n", m.backend);
  std::cout << fmt::format("  compile      {:.3f} s (compile {:.3f} s + first run {:.3f} s)\n",
                           m.compile_s + m.first_run_s, m.compile_s, m.first_run_s);
  std::cout << fmt::format(
      "  latency      median {:.3f} ms  p90 {:.3f} ms  min {:.3f} ms  mean {:.3f} ms  ({} runs "
      "after {} warm-up{})\n",
      ms(s.median), ms(s.p90), ms(s.min), ms(s.mean), o.iters, o.warmup,
      interleaved ? ", interleaved" : "");
  std::cout << fmt::format("  throughput   {:.1f} images/s, {:.2f} GFLOP/s\n",
                           static_cast<double>(w.batch) / s.median, w.gflops(s.median));
  std::cout << fmt::format("  peak memory  {} of activations\n", human_bytes(m.peak_bytes));
}

void print_kernels(const Measured& m) {
  if (m.kernels.empty()) return;
  constexpr size_t kShown = 20;
  double total = m.kernels_total();
  auto percent = [&](double seconds) { return total > 0 ? 100.0 * seconds / total : 0.0; };
  size_t wn = 6, wo = 2, wl = 6;
  for (size_t i = 0; i < std::min(kShown, m.kernels.size()); ++i) {
    wn = std::max(wn, m.kernels[i].name.size());
    wo = std::max(wo, m.kernels[i].op.size());
    wl = std::max(wl, m.kernels[i].layout.size());
  }
  std::cout << fmt::format(
      "\n{} kernels, median of {} profiled runs (separate from the timed runs), slowest first:\n",
      m.backend, m.profiled_runs);
  std::cout << fmt::format("  {:<{}}  {:<{}}  {:<{}}  {:>10}  {:>6}  {:>9}\n", "kernel", wn, "op",
                           wo, "output", wl, "median ms", "%", "GFLOP/s");
  for (size_t i = 0; i < std::min(kShown, m.kernels.size()); ++i) {
    const auto& k = m.kernels[i];
    auto g = gflops(k);
    std::string row = fmt::format("  {:<{}}  {:<{}}  {:<{}}  {:>10.3f}  {:>6.1f}  {:>9}", k.name,
                                  wn, k.op, wo, k.layout, wl, ms(k.median), percent(k.median),
                                  g ? fmt::format("{:.2f}", *g) : "");
    std::cout << row.substr(0, row.find_last_not_of(' ') + 1) << "\n";
  }
  if (m.kernels.size() > kShown) {
    double rest = 0;
    for (size_t i = kShown; i < m.kernels.size(); ++i) rest += m.kernels[i].median;
    std::cout << fmt::format("  {:<{}}  {:>10.3f}  {:>6.1f}\n",
                             fmt::format("others ({} kernels)", m.kernels.size() - kShown),
                             wn + wo + wl + 4, ms(rest), percent(rest));
  }
  std::cout << fmt::format("  {:<{}}  {:>10.3f}  {:>6.1f}\n", "total", wn + wo + wl + 4, ms(total),
                           100.0);
}

void print_text(const BenchOptions& o, const Workload& w, const std::vector<Measured>& runs,
                const Agreement* agreement) {
  const std::string threads =
      o.backend.threads == 0
          ? fmt::format("{} threads (every core)", std::thread::hardware_concurrency())
          : fmt::format("{} thread{}", o.backend.threads, o.backend.threads == 1 ? "" : "s");
  std::cout << fmt::format("model {} ({}), pipeline {}, batch {}, {}\n", w.graph.name, o.model,
                           o.weights.pipeline, o.batch, threads);
  std::cout << fmt::format("weights {}, {} MACs per image\n", human_bytes(w.weight_bytes),
                           with_commas(w.macs_per_item));
  for (const auto& m : runs) print_summary(m, o, w, runs.size() > 1);
  if (agreement) {
    const Measured &a = runs[0], &b = runs[1];
    double ratio = stats_of(b.latencies).median / stats_of(a.latencies).median;
    std::cout << fmt::format(
        "speedup of {} over {}: {:.2f}x ({} median / {} median; {} is {:.2f}x {})\n", a.backend,
        b.backend, ratio, b.backend, a.backend, a.backend, ratio >= 1 ? ratio : 1 / ratio,
        ratio >= 1 ? "faster" : "slower");
    if (!agreement->mismatch.empty())
      std::cout << fmt::format("outputs differ: {}\n", agreement->mismatch);
    else
      std::cout << fmt::format(
          "outputs {}: max abs diff {:.3g}, max rel diff {:.3g} (tolerance {:g})\n",
          agreement->within(o.tolerance) ? "agree" : "DIFFER", agreement->max_abs,
          agreement->max_rel, o.tolerance);
  }
  for (const auto& m : runs) print_kernels(m);
}

void bench(BenchOptions o, GlobalOptions& global) {
  if (o.batch < 1) throw UsageError(fmt::format("--batch must be at least 1, got {}", o.batch));
  if (o.iters < 1) throw UsageError(fmt::format("--iters must be at least 1, got {}", o.iters));
  if (o.warmup < 0)
    throw UsageError(fmt::format("--warmup must not be negative, got {}", o.warmup));
  if (o.profile_iters < 0)
    throw UsageError(fmt::format("--profile-iters must not be negative, got {}", o.profile_iters));
  if (!(o.tolerance >= 0))
    throw UsageError(fmt::format("--tolerance must not be negative, got {}", o.tolerance));
  Registry& reg = registry(global);
  std::vector<backends::Backend*> backends{&find_backend(reg, o.backend.name)};
  if (!o.compare.empty()) backends.push_back(&find_backend(reg, o.compare));
  if (o.weights.weights.empty() && o.weights.init.empty()) o.weights.init = "he";
  Workload w{.graph = load_runnable_model(o.model, o.weights, global), .batch = o.batch};
  w.inputs = random_inputs(w.graph, o.batch, o.weights.seed);
  for (ir::NodeId id = 0; id < w.graph.size(); ++id)
    w.macs_per_item += ir::node_cost(w.graph, id, reg.ops).macs;
  w.weight_bytes = ir::parameter_bytes(w.graph);

  std::vector<Measured> runs;
  for (auto* backend : backends) runs.push_back(compile_and_run_once(*backend, w, o.backend));
  // Backends take turns run by run, so drift of the machine (clock, other
  // load) hits all of them alike.
  for (int i = 0; i < o.warmup; ++i)
    for (auto& m : runs) m.exe->run(w.inputs);
  for (int i = 0; i < o.iters; ++i)
    for (auto& m : runs) {
      auto start = Clock::now();
      m.exe->run(w.inputs);
      m.latencies.push_back(seconds_since(start));
    }
  for (int i = 0; i < o.profile_iters; ++i)
    for (auto& m : runs) {
      std::vector<backends::KernelTiming> timings;
      m.exe->run_profiled(w.inputs, timings);
      m.add_profile(timings);
    }
  for (auto& m : runs) m.summarize();

  std::optional<Agreement> agreement;
  if (runs.size() > 1) agreement = compare_outputs(w.graph, runs[0].outputs, runs[1].outputs);
  const Agreement* agree = agreement ? &*agreement : nullptr;
  if (o.json)
    print_json(o, w, runs, agree);
  else
    print_text(o, w, runs, agree);
  if (agreement && !agreement->within(o.tolerance)) {
    std::cout.flush();
    std::cerr << fmt::format(
        "cnnc: error: the outputs of {} and {} differ beyond the tolerance {:g}\n", runs[0].backend,
        runs[1].backend, o.tolerance);
    throw ExitStatus{1};
  }
}

}  // namespace

void add_bench_command(CLI::App& app, GlobalOptions& global) {
  auto* cmd = app.add_subcommand(
      "bench",
      "measure a backend on random inputs: latency, throughput, compile time, memory, and the "
      "time of each kernel");
  auto o = std::make_shared<BenchOptions>();
  cmd->add_option("model", o->model, "model file (.cnn)")->required();
  add_weights_options(*cmd, o->weights);
  add_backend_options(*cmd, o->backend);
  cmd->add_option("--batch", o->batch, "batch size of the random inputs (default 1)");
  cmd->add_option("--iters", o->iters, "timed runs (default 50)");
  cmd->add_option("--warmup", o->warmup, "untimed runs before them (default 3)");
  cmd->add_option("--profile-iters", o->profile_iters,
                  "profiled runs after the timed ones, for the kernel table (default 10; 0: no "
                  "table)");
  cmd->add_option("--compare", o->compare,
                  "a second backend, run interleaved with the first; prints the speedup and "
                  "whether the outputs agree");
  cmd->add_option("--tolerance", o->tolerance,
                  "with --compare: largest |a - b| / max(1, |b|) accepted (default 1e-4); "
                  "beyond it the exit status is 1");
  cmd->add_flag("--json", o->json,
                "print one JSON object (median_ms, p90_ms, images_per_s, compile_s, "
                "peak_memory_bytes, kernels[...], compare{...})");
  cmd->footer(
      "Without --weights, the weights are --init he (or --init's choice) from --seed (default 0); "
      "--seed also seeds the inputs. Latency comes from plain runs only; the kernel table from "
      "separate profiled runs after them.\n");
  cmd->callback([o, &global] { bench(*o, global); });
}

}  // namespace cnnc::cli
