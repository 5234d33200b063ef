#include "backends/halide/kernel_cache.h"

#include "backends/native/tool_process.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>
#include <xxhash.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

extern char** environ;

namespace cnnc::backends::halide {

namespace fs = std::filesystem;

namespace {

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// A unique name next to `path`, so the final rename stays on one file system.
fs::path temporary_sibling(const fs::path& path) {
  static_assert(sizeof(pid_t) <= sizeof(long));
  thread_local unsigned counter = 0;
  return path.parent_path() /
         fmt::format(".{}.{}.{}.{}.tmp", path.filename().string(), static_cast<long>(getpid()),
                     std::hash<std::thread::id>{}(std::this_thread::get_id()), counter++);
}

void write_atomically(const fs::path& path, const std::string& bytes) {
  fs::path tmp = temporary_sibling(path);
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out.flush()) {
      std::error_code ec;
      fs::remove(tmp, ec);
      throw std::runtime_error(fmt::format("cannot write '{}'", tmp.string()));
    }
  }
  fs::rename(tmp, path);
}

bool writable_directory(const fs::path& dir, std::string& why) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) {
    why = fmt::format("cannot create it: {}", ec.message());
    return false;
  }
  fs::path probe = temporary_sibling(dir / "probe");
  std::ofstream out(probe);
  if (!out || !(out << "ok") || !out.flush()) {
    why = "it is not writable";
    return false;
  }
  out.close();
  fs::remove(probe, ec);
  return true;
}

}  // namespace

std::string content_hash(std::string_view bytes) {
  return fmt::format("{:016x}", XXH3_64bits(bytes.data(), bytes.size()));
}

fs::path default_cache_dir() {
  if (const char* dir = std::getenv("CNNC_CACHE_DIR"); dir && *dir) return dir;
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg) return fs::path(xdg) / "cnnc";
  if (const char* home = std::getenv("HOME"); home && *home)
    return fs::path(home) / ".cache" / "cnnc";
  return fs::temp_directory_path() / "cnnc-cache";
}

KernelCache::KernelCache(const fs::path& dir) : dir_(dir) {
  std::string why;
  if (writable_directory(dir_, why)) return;
  std::string tmpl = (fs::temp_directory_path() / "cnnc-cache-XXXXXX").string();
  if (!mkdtemp(tmpl.data()))
    throw std::runtime_error(
        fmt::format("kernel cache '{}': {}, and no temporary directory could be made instead",
                    dir.string(), why));
  std::cerr << fmt::format(
      "cnnc: warning: kernel cache '{}': {}; using a temporary cache for this run (set "
      "--cache-dir or CNNC_CACHE_DIR to a writable directory to keep compiled kernels)\n",
      dir.string(), why);
  dir_ = tmpl;
  temporary_ = true;
}

KernelCache::~KernelCache() {
  if (!temporary_) return;
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

bool KernelCache::has(const std::string& name, const std::string& signature) const {
  const std::string meta_text = read_file(dir_ / (name + ".meta"));
  if (meta_text.empty()) return false;
  auto meta = nlohmann::json::parse(meta_text, nullptr, /*allow_exceptions=*/false);
  if (!meta.is_object() || meta.value("signature", "") != signature) return false;
  const std::string bytes = read_file(dir_ / name);
  if (!bytes.empty() && meta.value("checksum", "") == content_hash(bytes)) return true;
  std::cerr << fmt::format("cnnc: warning: kernel cache entry '{}' is damaged; rebuilding it\n",
                           (dir_ / name).string());
  return false;
}

fs::path KernelCache::entry(const std::string& name, const std::string& signature,
                            const std::function<void(const fs::path&)>& produce) {
  const fs::path path = dir_ / name;
  if (has(name, signature)) return path;
  const fs::path tmp = temporary_sibling(path);
  try {
    produce(tmp);
  } catch (...) {
    std::error_code ec;
    fs::remove(tmp, ec);
    throw;
  }
  const std::string bytes = read_file(tmp);
  fs::rename(tmp, path);
  write_atomically(
      dir_ / (name + ".meta"),
      nlohmann::json{{"signature", signature}, {"checksum", content_hash(bytes)}}.dump(1));
  return path;
}

void link_shared_library(std::span<const fs::path> objects, const fs::path& output) {
  std::vector<std::string> args{native::c_compiler(), "-shared", "-o", output.string()};
  for (const auto& o : objects) args.push_back(o.string());
  native::run_tool(args, "linking compiled kernels", native::kInstallCompiler);
}

}  // namespace cnnc::backends::halide
