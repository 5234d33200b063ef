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

// dlopens `path`, checks the API version and registers into `registry`.
// Throws PluginError naming the file for a missing file, a missing entry
// point, an API version mismatch or a registration failure (an exception
// thrown by the plugin's callback; what it registered before that stays).
// Loading a file already registered into `registry` (by canonical path)
// returns its record without registering again. Plugins are never unloaded:
// the registry holds their code.
LoadedPlugin load_plugin(const std::string& path, Registry& registry);

// Loads every entry of CNNC_PLUGIN_PATH, if set: a file, or a directory whose
// *.so files are loaded in name order. Empty entries are skipped.
std::vector<LoadedPlugin> load_plugins_from_env(Registry& registry);

}  // namespace cnnc
