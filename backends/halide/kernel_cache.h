// The on-disk cache of compiled kernels: object files keyed by kernel
// signature, and the shared libraries linked from them, in one directory
// ($CNNC_CACHE_DIR, else $XDG_CACHE_HOME/cnnc, else ~/.cache/cnnc).
//
// Every entry has a sidecar `<name>.meta` recording the signature it was
// built for and a checksum of its bytes; an entry whose sidecar is missing,
// names another signature or disagrees with the bytes is rebuilt. Entries
// are written to a temporary file in the same directory and renamed into
// place, so a reader never sees half a file and two processes filling the
// same entry at once leave one complete copy.
#pragma once

#include <filesystem>
#include <functional>
#include <span>
#include <string>
#include <string_view>

namespace cnnc::backends::halide {

std::filesystem::path default_cache_dir();

// A 64-bit hash of `bytes` as 16 hex digits (XXH3): cache keys and checksums.
std::string content_hash(std::string_view bytes);

class KernelCache {
 public:
  // Uses `dir` (created if missing). When it cannot be created or written,
  // falls back to a private temporary directory, removed by the destructor,
  // and warns on stderr saying why.
  explicit KernelCache(const std::filesystem::path& dir);
  ~KernelCache();
  KernelCache(const KernelCache&) = delete;
  KernelCache& operator=(const KernelCache&) = delete;

  const std::filesystem::path& dir() const { return dir_; }
  bool is_temporary() const { return temporary_; }

  // Whether a valid entry `name` built for `signature` exists.
  bool has(const std::string& name, const std::string& signature) const;
  // The path of entry `name`, produced by `produce(temporary_path)` unless
  // a valid one exists. `produce` throws on failure; nothing is left behind.
  std::filesystem::path entry(const std::string& name, const std::string& signature,
                              const std::function<void(const std::filesystem::path&)>& produce);

 private:
  std::filesystem::path dir_;
  bool temporary_ = false;
};

// Links object files into a shared library with the system C compiler
// ($CNNC_CC, else cc). Throws std::runtime_error with the linker's message.
void link_shared_library(std::span<const std::filesystem::path> objects,
                         const std::filesystem::path& output);

}  // namespace cnnc::backends::halide
