// Loads plugins: shared libraries exporting cnnc_plugin_info() (see
// <cnnc/plugin.h>), named with --plugin or in CNNC_PLUGIN_PATH (':'-separated).
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include "runtime/registry.h"

namespace cnnc {

struct PluginError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct LoadedPlugin {
  std::string path;
  std::string name;
  std::string version;
};

// dlopens `path`, checks the API version and registers into `registry`.
// Throws PluginError naming the file for a missing file, a missing entry
// point, an API version mismatch or a registration failure.
LoadedPlugin load_plugin(const std::string& path, Registry& registry);

// Loads every entry of CNNC_PLUGIN_PATH, if set.
std::vector<LoadedPlugin> load_plugins_from_env(Registry& registry);

}  // namespace cnnc
