#include "runtime/lr_schedule.h"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <numbers>
#include <stdexcept>
#include <vector>

namespace cnnc::training {

double LrSchedule::at(int64_t step, int64_t steps_per_epoch, int64_t total_epochs) const {
  const double epoch = static_cast<double>(step) / static_cast<double>(steps_per_epoch);
  const double warmup_steps = warmup_epochs * static_cast<double>(steps_per_epoch);
  if (static_cast<double>(step) < warmup_steps)
    return base * static_cast<double>(step + 1) / std::ceil(warmup_steps);
  switch (kind) {
    case Kind::Constant:
      return base;
    case Kind::Step:
      return base * std::pow(gamma, std::floor(epoch / static_cast<double>(step_epochs)));
    case Kind::Cosine: {
      // Annealed over the steps after the warm-up, per step rather than per epoch.
      const double total = static_cast<double>(total_epochs * steps_per_epoch) - warmup_steps;
      const double done = static_cast<double>(step) - warmup_steps;
      return total <= 0
                 ? base
                 : 0.5 * base * (1.0 + std::cos(std::numbers::pi * std::min(1.0, done / total)));
    }
  }
  return base;
}

std::string LrSchedule::describe() const {
  std::string s = kind == Kind::Constant ? fmt::format("constant {}", base)
                  : kind == Kind::Step
                      ? fmt::format("{} x {} every {} epochs", base, gamma, step_epochs)
                      : fmt::format("cosine from {}", base);
  if (warmup_epochs > 0) s += fmt::format(" after {} warm-up epochs", warmup_epochs);
  return s;
}

void parse_lr_schedule(std::string_view text, LrSchedule& schedule) {
  std::vector<std::string_view> parts;
  for (size_t start = 0;;) {
    const size_t colon = text.find(':', start);
    parts.push_back(text.substr(start, colon - start));
    if (colon == std::string_view::npos) break;
    start = colon + 1;
  }
  auto bad = [&](std::string_view why) {
    return std::invalid_argument(fmt::format(
        "learning-rate schedule '{}': {} (expected constant, step:EPOCHS:GAMMA or cosine)", text,
        why));
  };
  if (parts[0] == "constant" && parts.size() == 1) {
    schedule.kind = LrSchedule::Kind::Constant;
  } else if (parts[0] == "cosine" && parts.size() == 1) {
    schedule.kind = LrSchedule::Kind::Cosine;
  } else if (parts[0] == "step") {
    if (parts.size() != 3) throw bad("step needs EPOCHS and GAMMA");
    int64_t epochs = 0;
    auto [p, ec] = std::from_chars(parts[1].data(), parts[1].data() + parts[1].size(), epochs);
    if (ec != std::errc() || p != parts[1].data() + parts[1].size() || epochs < 1)
      throw bad("EPOCHS must be a whole number of at least 1");
    double gamma = 0;
    auto [q, ec2] = std::from_chars(parts[2].data(), parts[2].data() + parts[2].size(), gamma);
    if (ec2 != std::errc() || q != parts[2].data() + parts[2].size() || !(gamma > 0))
      throw bad("GAMMA must be a positive number");
    schedule.kind = LrSchedule::Kind::Step;
    schedule.step_epochs = epochs;
    schedule.gamma = gamma;
  } else {
    throw bad("unknown schedule");
  }
}

}  // namespace cnnc::training
