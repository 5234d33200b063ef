// The `cnnc` command line: options shared by every subcommand and the one
// list of subcommands. Each subcommand lives in its own file and adds itself
// to the app with add_<name>_command.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "ir/graph.h"
#include "runtime/model.h"
#include "runtime/registry.h"

namespace cnnc::cli {

struct GlobalOptions {
  std::vector<std::string> plugins;
  std::vector<std::string> print_after;
  bool print_after_all = false;
  std::vector<std::string> disabled_passes;
};

// Loads plugins (from --plugin and CNNC_PLUGIN_PATH) once; returns the registry.
Registry& registry(const GlobalOptions& global);
// ModelOptions with the pass-manager flags of `global` filled in.
ModelOptions model_options(const GlobalOptions& global);

// Thrown by a command that has already reported its problems.
struct ExitStatus {
  int code;
};

// Thrown for usage errors detected after parsing (exit code 2).
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

#define CNNC_COMMANDS(X) \
  X(inspect)             \
  X(check)               \
  X(run)                 \
  X(bench)               \
  X(train)               \
  X(eval)                \
  X(gradcheck)           \
  X(viz) X(init) X(dot) X(format) X(ops) X(passes) X(backends) X(devices) X(compare) X(compile)

#define CNNC_DECLARE_COMMAND(name) void add_##name##_command(CLI::App& app, GlobalOptions& global);
CNNC_COMMANDS(CNNC_DECLARE_COMMAND)
#undef CNNC_DECLARE_COMMAND

}  // namespace cnnc::cli
