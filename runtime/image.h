// Images as model inputs, and tensors back to images.
//
// Loading (PNG, JPEG, BMP, and the other formats stb_image reads) makes the
// tensor a model input [N, C, H, W] asks for, in these steps:
//   1. decode to 8 bits per channel; values become v / 255 in [0, 1]
//      (an alpha channel is dropped, not composited);
//   2. C = 1: grayscale, from colour by ITU-R BT.601 luma
//      0.299 R + 0.587 G + 0.114 B; C = 3: RGB, a gray image repeated;
//   3. resize to H x W, unless it already is, with a triangle filter: bilinear
//      interpolation when enlarging, an area-weighted average when shrinking
//      (so no detail is skipped), edges clamped;
//   4. if `invert`, v -> 1 - v (e.g. black digits on white for an MNIST model);
//   5. if `mean`/`std` are given, v -> (v - mean[c]) / std[c] per channel;
//      each holds one value for every channel or C values.
// Failures (unreadable file, undecodable data, a shape that is not
// [N, 1 or 3, H, W], bad mean/std) throw IoError naming the file.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "ir/shape.h"
#include "ir/tensor.h"

namespace cnnc {

struct ImageOptions {
  std::vector<float> mean;  // empty: 0
  std::vector<float> std;   // empty: 1; every value must be positive
  bool invert = false;
};

// One image as [1, C, H, W] for a model input of shape [N, C, H, W] (N may
// be symbolic; it is ignored).
ir::Tensor load_image(const std::string& path, const ir::Shape& input_shape,
                      const ImageOptions& options = {});
// Several images as one batch [paths.size(), C, H, W]; each is resized on its own.
ir::Tensor load_images(std::span<const std::string> paths, const ir::Shape& input_shape,
                       const ImageOptions& options = {});

enum class PixelScale {
  Clamp,   // values in [0, 1] map to 0..255, others are clamped
  MinMax,  // the tensor's [min, max] maps to 0..255 (feature maps); constant -> 0
};

// Writes `image` ([C, H, W] with C = 1, 3 or 4, or [H, W]) as an 8-bit PNG,
// atomically. Throws std::invalid_argument for another shape, IoError when
// the file cannot be written.
void write_png(const std::string& path, const ir::Tensor& image,
               PixelScale scale = PixelScale::Clamp);

}  // namespace cnnc
