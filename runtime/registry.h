// The registries everything registers into: ops, passes, backends and the
// reference kernels. Built-ins and plugins use the same API.
#pragma once

#include <map>
#include <string>

#include "backends/backend.h"
#include "backends/reference/kernel_table.h"
#include "ir/op_registry.h"
#include "passes/pass.h"

namespace cnnc {

// A plugin whose registrations this registry holds (see runtime/plugin_loader.h).
struct LoadedPlugin {
  std::string path;  // canonical
  std::string name;
  std::string version;
};

struct Registry {
  ir::OpRegistry ops;
  passes::PassRegistry passes;
  backends::reference::KernelTable reference_kernels;
  backends::BackendRegistry backends;
  std::map<std::string, LoadedPlugin> plugins;  // by canonical path
};

// The process-wide registry, with every built-in registered on first use.
Registry& global_registry();

}  // namespace cnnc
