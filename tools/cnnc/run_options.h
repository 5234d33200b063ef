// What the commands that run a model (`run`, `bench`) share: the backend
// choice with its compile options, and a model loaded with its weights.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>

#include "backends/backend.h"
#include "ir/graph.h"
#include "tools/cnnc/command.h"

namespace cnnc::cli {

// The backend `run` and `bench` use when --backend is not given.
inline constexpr const char* kDefaultBackend = "halide";

struct BackendChoice {
  std::string name = kDefaultBackend;
  int threads = 0;  // 0: every core
  std::string cache_dir, schedule, layout = "auto";
  int device = -1;
  backends::CompileOptions compile_options() const;
};

// --backend, --threads, --cache-dir, --schedule, --layout.
void add_backend_options(CLI::App& cmd, BackendChoice& choice);
// The registered backend `name`; a UsageError listing the registered ones otherwise.
backends::Backend& find_backend(Registry& registry, const std::string& name);

struct WeightsChoice {
  std::string weights, init, pipeline = "inference";
  uint64_t seed = 0;
};

// --weights, --init, --seed, --pipeline.
void add_weights_options(CLI::App& cmd, WeightsChoice& choice);
// Parses `path`, loads or initializes its weights and runs the pipeline.
// UsageError when both --weights and --init are given, or when a parameter
// is left without a value.
ir::Graph load_runnable_model(const std::string& path, const WeightsChoice& choice,
                              GlobalOptions& global);

}  // namespace cnnc::cli
