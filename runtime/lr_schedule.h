// Learning-rate schedules, as functions of the step: constant, step decay
// (multiply by gamma every `step_epochs` epochs), or cosine annealing to 0
// over the run (PyTorch's StepLR, CosineAnnealingLR), optionally after a
// linear warm-up. Written on the command line as `constant`, `step:E:G`
// (e.g. step:10:0.1) or `cosine`, with --warmup EPOCHS.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace cnnc::training {

struct LrSchedule {
  enum class Kind { Constant, Step, Cosine };
  Kind kind = Kind::Constant;
  double base = 0.01;
  int64_t step_epochs = 10;  // Step
  double gamma = 0.1;        // Step
  double warmup_epochs = 0;  // linear from base / (warm-up steps) up to base

  // The rate for optimizer step `step` (0-based) of a run of
  // `total_epochs` epochs of `steps_per_epoch` steps each.
  double at(int64_t step, int64_t steps_per_epoch, int64_t total_epochs) const;
  std::string describe() const;
};

// Parses `constant`, `step:EPOCHS:GAMMA` or `cosine` into `schedule` (base
// and warm-up are left as they are); std::invalid_argument explaining a
// malformed one.
void parse_lr_schedule(std::string_view text, LrSchedule& schedule);

}  // namespace cnnc::training
