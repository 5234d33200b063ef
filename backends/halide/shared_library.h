// A dlopen'ed shared object, closed when the last owner lets go.
#pragma once

#include <filesystem>
#include <string>

namespace cnnc::backends::halide {

class SharedLibrary {
 public:
  enum class Visibility { Local, Global };
  // Throws std::runtime_error with dlerror()'s text naming the file.
  SharedLibrary(const std::filesystem::path& path, Visibility visibility);
  ~SharedLibrary();
  SharedLibrary(const SharedLibrary&) = delete;
  SharedLibrary& operator=(const SharedLibrary&) = delete;

  // Throws std::runtime_error naming the symbol and the file when absent.
  void* symbol(const std::string& name) const;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
  void* handle_ = nullptr;
};

}  // namespace cnnc::backends::halide
