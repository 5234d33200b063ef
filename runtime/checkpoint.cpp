#include "runtime/checkpoint.h"

#include <fmt/format.h>
#include <zlib.h>

#include <filesystem>

#include "runtime/file_io.h"
#include "runtime/io_error.h"
#include "runtime/safetensors.h"

namespace cnnc::training {

namespace {

constexpr const char* kStateKey = "cnnc.training_state";
constexpr const char* kChecksumKey = "cnnc.crc32";

// Over the training state's text, then names, shapes and values in name
// order, so an edited counter, a renamed or reshaped tensor fail the check
// as well as a flipped bit.
std::string checksum(const std::string& state, const std::map<std::string, ir::Tensor>& tensors) {
  uLong crc = crc32(0L, Z_NULL, 0);
  crc = crc32_z(crc, reinterpret_cast<const Bytef*>(state.data()), state.size());
  for (const auto& [name, t] : tensors) {
    const std::string header = name + ir::to_string(t.shape());
    crc =
        crc32(crc, reinterpret_cast<const Bytef*>(header.data()), static_cast<uInt>(header.size()));
    const auto bytes = std::as_bytes(t.data());
    crc = crc32_z(crc, reinterpret_cast<const Bytef*>(bytes.data()), bytes.size());
  }
  return fmt::format("{:08x}", crc);
}

}  // namespace

std::string previous_checkpoint_path(const std::string& path) {
  std::filesystem::path p(path);
  return (p.parent_path() / (p.stem().string() + ".prev" + p.extension().string())).string();
}

void write_checkpoint(const std::string& path, const Checkpoint& checkpoint) {
  const std::string state = checkpoint.state.dump();
  const std::map<std::string, std::string> metadata{
      {kStateKey, state}, {kChecksumKey, checksum(state, checkpoint.tensors)}};
  const std::vector<char> bytes = safetensors::encode(checkpoint.tensors, metadata);
  // The current checkpoint becomes the previous one by a second name (a
  // hard link, or a copy where links are not supported), and the new one
  // replaces it by an atomic rename: `path` names a whole checkpoint at
  // every moment, so a kill while writing never leaves `--resume` without one.
  const std::string previous = previous_checkpoint_path(path);
  std::error_code ec;
  if (std::filesystem::exists(path, ec)) {
    std::filesystem::remove(previous, ec);
    if (!ec) std::filesystem::create_hard_link(path, previous, ec);
    if (ec) {
      ec.clear();
      std::filesystem::copy_file(path, previous, std::filesystem::copy_options::overwrite_existing,
                                 ec);
    }
  }
  if (ec)
    throw IoError(fmt::format("{}: cannot keep the previous checkpoint as {}: {}", path, previous,
                              ec.message()));
  write_file_atomically(path, bytes);
}

Checkpoint read_checkpoint(const std::string& path) {
  const safetensors::File file = safetensors::File::open(path);
  const auto& metadata = file.metadata();
  const auto state = metadata.find(kStateKey);
  const auto crc = metadata.find(kChecksumKey);
  if (state == metadata.end() || crc == metadata.end())
    throw IoError(
        fmt::format("{}: not a cnnc training checkpoint (no training state in its "
                    "metadata); a weights file is loaded with --weights",
                    path));
  Checkpoint c;
  for (const auto& info : file.tensors()) c.tensors.emplace(info.name, file.read(info.name));
  if (checksum(state->second, c.tensors) != crc->second)
    throw IoError(fmt::format(
        "{}: the checkpoint is corrupted (its tensors or training state do not match the "
        "checksum written with them); the one before it is {}",
        path, previous_checkpoint_path(path)));
  try {
    c.state = nlohmann::json::parse(state->second);
  } catch (const nlohmann::json::exception& e) {
    throw IoError(
        fmt::format("{}: the checkpoint's training state is not valid JSON: {}", path, e.what()));
  }
  return c;
}

}  // namespace cnnc::training
