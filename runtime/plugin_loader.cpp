#include "runtime/plugin_loader.h"

#include <dlfcn.h>
#include <fmt/format.h>

#include <cnnc/plugin.h>
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <string_view>

namespace cnnc {

namespace {

namespace fs = std::filesystem;

using InfoFunction = cnnc_plugin_info_t (*)();

std::string last_dl_error() {
  const char* e = dlerror();
  return e ? e : "unknown error";
}

// Closes the library unless told to keep it.
class LibraryHandle {
 public:
  explicit LibraryHandle(void* h) : handle_(h) {}
  ~LibraryHandle() {
    if (handle_) dlclose(handle_);
  }
  LibraryHandle(const LibraryHandle&) = delete;
  LibraryHandle& operator=(const LibraryHandle&) = delete;
  void* get() const { return handle_; }
  void keep() { handle_ = nullptr; }

 private:
  void* handle_;
};

}  // namespace

LoadedPlugin load_plugin(const std::string& path, Registry& registry) {
  std::error_code ec;
  if (!fs::exists(path, ec))
    throw PluginError(
        fmt::format("plugin '{}': no such file; give the path to a plugin's shared "
                    "library (e.g. build/examples/plugins/swish/libswish.so)",
                    path));
  if (fs::is_directory(path, ec))
    throw PluginError(fmt::format("plugin '{}': is a directory, not a shared library", path));
  std::string canonical = fs::canonical(path, ec).string();
  if (ec) canonical = fs::absolute(path).string();
  if (auto it = registry.plugins.find(canonical); it != registry.plugins.end()) return it->second;

  dlerror();
  LibraryHandle lib(dlopen(canonical.c_str(), RTLD_NOW | RTLD_LOCAL));
  if (!lib.get())
    throw PluginError(
        fmt::format("plugin '{}': cannot be loaded: {}; is it a shared library built "
                    "for this system against this cnnc?",
                    path, last_dl_error()));
  auto info_fn = reinterpret_cast<InfoFunction>(dlsym(lib.get(), "cnnc_plugin_info"));
  if (!info_fn)
    throw PluginError(
        fmt::format("plugin '{}': does not export cnnc_plugin_info(); a cnnc plugin "
                    "defines extern \"C\" cnnc_plugin_info_t cnnc_plugin_info(void) "
                    "(see <cnnc/plugin.h>)",
                    path));
  cnnc_plugin_info_t info = info_fn();
  if (info.api_version != CNNC_PLUGIN_API_VERSION)
    throw PluginError(
        fmt::format("plugin {} was built for cnnc plugin API {}, this cnnc has {}: "
                    "rebuild it against this version",
                    path, info.api_version, CNNC_PLUGIN_API_VERSION));
  if (!info.register_plugin)
    throw PluginError(
        fmt::format("plugin '{}': cnnc_plugin_info() gave no register_plugin callback", path));

  LoadedPlugin loaded{.path = canonical,
                      .name = info.name && *info.name ? info.name : fs::path(path).stem().string(),
                      .version = info.version ? info.version : ""};
  // From here the registry may hold the plugin's code, so it stays loaded.
  lib.keep();
  try {
    info.register_plugin(&registry);
  } catch (const std::exception& e) {
    throw PluginError(
        fmt::format("plugin '{}' ({}) failed to register: {}", loaded.name, path, e.what()));
  } catch (...) {
    throw PluginError(
        fmt::format("plugin '{}' ({}) failed to register: unknown exception", loaded.name, path));
  }
  registry.plugins.emplace(canonical, loaded);
  return loaded;
}

std::vector<LoadedPlugin> load_plugins_from_env(Registry& registry) {
  std::vector<LoadedPlugin> loaded;
  const char* env = std::getenv("CNNC_PLUGIN_PATH");
  if (!env) return loaded;
  std::string_view rest = env;
  while (!rest.empty()) {
    size_t colon = rest.find(':');
    std::string entry(rest.substr(0, colon));
    rest = colon == std::string_view::npos ? std::string_view{} : rest.substr(colon + 1);
    if (entry.empty()) continue;
    std::error_code ec;
    if (fs::is_directory(entry, ec)) {
      std::vector<std::string> files;
      for (const auto& f : fs::directory_iterator(entry, ec))
        if (f.path().extension() == ".so") files.push_back(f.path().string());
      std::sort(files.begin(), files.end());
      for (const auto& f : files) loaded.push_back(load_plugin(f, registry));
    } else {
      try {
        loaded.push_back(load_plugin(entry, registry));
      } catch (const PluginError& e) {
        throw PluginError(fmt::format("{} (from CNNC_PLUGIN_PATH)", e.what()));
      }
    }
  }
  return loaded;
}

}  // namespace cnnc
