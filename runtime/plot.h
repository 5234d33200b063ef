// Training curves as a PNG: loss (left panel) and accuracy (right panel)
// against the epoch, the training curve in kTrainColour and the validation
// curve, where there is one, in kValidationColour, each point marked. Axes
// have "nice" ticks (1, 2 or 5 times a power of ten) labelled with a small
// built-in bitmap font; each panel has its title and a legend. Non-finite
// values (a diverged loss) are left out of the curve and the axis range.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "ir/tensor.h"

namespace cnnc::training {

struct EpochMetrics;  // runtime/trainer.h

inline constexpr std::array<uint8_t, 3> kTrainColour{31, 119, 180};       // blue
inline constexpr std::array<uint8_t, 3> kValidationColour{255, 127, 14};  // orange
inline constexpr std::array<uint8_t, 3> kPlotBackground{255, 255, 255};
inline constexpr int kPlotWidth = 960, kPlotHeight = 400;  // two panels side by side

// The picture as RGB [3, height, width] in [0, 1] (for write_png); the left
// half is the loss panel, the right half the accuracy panel. Any number of
// epochs, none included (empty axes). Throws std::invalid_argument for a
// size under 320 x 200.
ir::Tensor render_training_curves(const std::vector<EpochMetrics>& epochs, int width = kPlotWidth,
                                  int height = kPlotHeight);

// Writes render_training_curves(epochs) to `png_path` atomically; throws
// IoError when the file cannot be written.
void plot_training_curves(const std::vector<EpochMetrics>& epochs, const std::string& png_path);

// Reads a run's metrics.csv (header `epoch,train_loss,train_acc,val_loss,
// val_acc,...`, columns found by name, empty validation fields for none).
// Throws IoError naming the file and line.
std::vector<EpochMetrics> read_metrics_csv(const std::string& path);

}  // namespace cnnc::training
