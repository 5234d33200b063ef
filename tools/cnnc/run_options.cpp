#include "tools/cnnc/run_options.h"

#include <fmt/format.h>

namespace cnnc::cli {

backends::CompileOptions BackendChoice::compile_options() const {
  return {.threads = threads,
          .cache_dir = cache_dir,
          .schedule = schedule,
          .layout = layout,
          .device = device};
}

void add_backend_options(CLI::App& cmd, BackendChoice& choice) {
  cmd.add_option("--backend,-b", choice.name,
                 fmt::format("backend (default {}; `cnnc backends` lists them)", kDefaultBackend));
  cmd.add_option("--threads", choice.threads, "worker threads (default: every core)")
      ->check(CLI::PositiveNumber);
  cmd.add_option("--cache-dir", choice.cache_dir,
                 "where the backend caches compiled kernels (default: its own)");
  cmd.add_option("--schedule", choice.schedule,
                 "schedule for backends that take one, e.g. auto:adams2019 (default: the "
                 "backend's heuristics)");
  cmd.add_option("--layout", choice.layout,
                 "activation layout between kernels: auto (the backend's choice, channel-blocked "
                 "where convolutions gain) or nchw")
      ->check(CLI::IsMember({"auto", "nchw"}));
  cmd.add_option("--device", choice.device,
                 "device index for the vulkan backend (`cnnc devices`; default: discrete > "
                 "integrated > virtual > CPU)")
      ->check(CLI::NonNegativeNumber);
}

backends::Backend& find_backend(Registry& registry, const std::string& name) {
  backends::Backend* backend = registry.backends.find(name);
  if (!backend)
    throw UsageError(fmt::format("unknown backend '{}'; registered: {}", name,
                                 fmt::join(registry.backends.names(), ", ")));
  return *backend;
}

void add_weights_options(CLI::App& cmd, WeightsChoice& choice) {
  cmd.add_option("--weights,-w", choice.weights, "weights (safetensors, named layer.weight)");
  cmd.add_option("--init", choice.init, "initialize weights instead: he, xavier or zeros")
      ->check(CLI::IsMember({"he", "xavier", "zeros"}));
  cmd.add_option("--seed", choice.seed, "seed for --init");
  cmd.add_option("--pipeline", choice.pipeline,
                 "pass pipeline run before compiling, e.g. inference-unfused (`cnnc passes` lists "
                 "them)");
}

ir::Graph load_runnable_model(const std::string& path, const WeightsChoice& choice,
                              GlobalOptions& global) {
  if (!choice.weights.empty() && !choice.init.empty())
    throw UsageError("give --weights or --init, not both");
  ModelOptions options = model_options(global);
  options.weights = choice.weights;
  options.init = choice.init;
  options.seed = choice.seed;
  options.pipeline = choice.pipeline;
  ir::Graph g = load_model(path, registry(global), options);
  for (auto id : g.param_nodes())
    if (!g.node(id).value)
      throw UsageError(
          fmt::format("model '{}' has parameters (e.g. '{}') but no weights: pass --weights "
                      "FILE.safetensors or --init he",
                      g.name, g.node(id).name));
  return g;
}

}  // namespace cnnc::cli
