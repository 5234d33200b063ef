// Whole-file reads and all-or-nothing writes, shared by the tensor, weight and
// image formats. A write goes to `<path>.tmp.<pid>` and is renamed over `path`
// only once every byte is on disk, so a crash or a full disk never leaves a
// half-written file under the real name.
#pragma once

#include <span>
#include <string>
#include <vector>

namespace cnnc {

// The file's bytes; throws IoError naming the file and the system's reason.
std::vector<char> read_file_bytes(const std::string& path);

// Writes `chunks` in order to `path`, atomically; throws IoError naming the
// file. On failure the temporary file is removed and `path` is untouched.
void write_file_atomically(const std::string& path, std::span<const std::span<const char>> chunks);
void write_file_atomically(const std::string& path, std::span<const char> bytes);

}  // namespace cnnc
