#include "backends/halide/shared_library.h"

#include <dlfcn.h>
#include <fmt/format.h>

#include <stdexcept>

namespace cnnc::backends::halide {

SharedLibrary::SharedLibrary(const std::filesystem::path& path, Visibility visibility)
    : path_(path) {
  handle_ = dlopen(path.c_str(),
                   RTLD_NOW | (visibility == Visibility::Global ? RTLD_GLOBAL : RTLD_LOCAL));
  if (!handle_) {
    const char* e = dlerror();
    throw std::runtime_error(
        fmt::format("cannot load '{}': {}", path.string(), e ? e : "unknown error"));
  }
}

SharedLibrary::~SharedLibrary() {
  if (handle_) dlclose(handle_);
}

void* SharedLibrary::symbol(const std::string& name) const {
  dlerror();
  void* p = dlsym(handle_, name.c_str());
  if (!p)
    throw std::runtime_error(
        fmt::format("'{}' has no symbol '{}' (a damaged cache entry?)", path_.string(), name));
  return p;
}

}  // namespace cnnc::backends::halide
