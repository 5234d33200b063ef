#include "runtime/file_io.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "runtime/io_error.h"

namespace cnnc {

namespace {

std::string system_reason() {
  return std::strerror(errno);
}

// Closes the descriptor and removes the temporary file unless committed.
class TempFile {
 public:
  explicit TempFile(std::string path) : path_(std::move(path)) {
    fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  }
  ~TempFile() {
    if (fd_ >= 0) ::close(fd_);
    if (!committed_) ::unlink(path_.c_str());
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;

  bool is_open() const { return fd_ >= 0; }
  bool write_all(std::span<const char> bytes) {
    while (!bytes.empty()) {
      ssize_t n = ::write(fd_, bytes.data(), bytes.size());
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      bytes = bytes.subspan(static_cast<size_t>(n));
    }
    return true;
  }
  bool sync_and_close() {
    bool ok = ::fsync(fd_) == 0;
    ok = ::close(fd_) == 0 && ok;
    fd_ = -1;
    return ok;
  }
  void mark_committed() { committed_ = true; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  int fd_ = -1;
  bool committed_ = false;
};

}  // namespace

std::vector<char> read_file_bytes(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) throw IoError(fmt::format("cannot open '{}': {}", path, system_reason()));
  std::vector<char> bytes;
  char buffer[1 << 16];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, f)) > 0)
    bytes.insert(bytes.end(), buffer, buffer + n);
  bool failed = std::ferror(f) != 0;
  std::string reason = failed ? system_reason() : "";
  std::fclose(f);
  if (failed) throw IoError(fmt::format("cannot read '{}': {}", path, reason));
  return bytes;
}

void write_file_atomically(const std::string& path, std::span<const std::span<const char>> chunks) {
  TempFile tmp(fmt::format("{}.tmp.{}", path, ::getpid()));
  if (!tmp.is_open())
    throw IoError(fmt::format("cannot write '{}': cannot create '{}': {}", path, tmp.path(),
                              system_reason()));
  for (auto chunk : chunks)
    if (!tmp.write_all(chunk))
      throw IoError(fmt::format("cannot write '{}': {}", path, system_reason()));
  if (!tmp.sync_and_close())
    throw IoError(fmt::format("cannot write '{}': {}", path, system_reason()));
  if (std::rename(tmp.path().c_str(), path.c_str()) != 0)
    throw IoError(fmt::format("cannot write '{}': renaming '{}' failed: {}", path, tmp.path(),
                              system_reason()));
  tmp.mark_committed();
}

void write_file_atomically(const std::string& path, std::span<const char> bytes) {
  std::span<const char> chunks[] = {bytes};
  write_file_atomically(path, chunks);
}

}  // namespace cnnc
