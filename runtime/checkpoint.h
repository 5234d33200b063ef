// Training checkpoints: every tensor a run needs to continue (parameters,
// optimizer state, the step counter) and the trainer's own state as JSON
// (epoch, batch, metrics so far, options), in one safetensors file with a
// CRC-32 of the tensor data in its metadata.
//
// A write goes to a temporary file renamed over the real one (file_io.h),
// after the previous checkpoint was renamed to `<stem>.prev.safetensors`,
// so a crash at any moment leaves a readable checkpoint behind. Reading
// refuses a truncated, corrupted or foreign file with an IoError naming it.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "ir/tensor.h"

namespace cnnc::training {

struct Checkpoint {
  std::map<std::string, ir::Tensor> tensors;
  nlohmann::json state;
};

void write_checkpoint(const std::string& path, const Checkpoint& checkpoint);
Checkpoint read_checkpoint(const std::string& path);
// Where write_checkpoint keeps the checkpoint it replaced.
std::string previous_checkpoint_path(const std::string& path);

}  // namespace cnnc::training
