// Data augmentation on a batch of images [B, C, H, W], each image changed on
// its own and all channels of an image alike:
//   shift=S      translate by whole pixels, dx and dy each uniform in [-S, S];
//                pixels moved in from outside are 0.
//   crop=P       pad the image with P zeros on every side and crop H x W back
//                at a uniformly random offset (the CIFAR recipe). That is a
//                translation uniform in [-P, P] by another name; given with
//                shift, the two translations add up (applied at once, so no
//                pixel is lost in between).
//   flip         mirror left-right with probability 1/2.
//   elastic=A:S  the elastic distortion of Simard, Steinkraus and Platt
//                (ICDAR 2003): two fields of displacements uniform in
//                [-1, 1], each smoothed by a Gaussian of standard deviation S
//                pixels (truncated at 3 S, mirrored at the borders) and
//                multiplied by A; each pixel then takes the bilinear sample
//                at its own position plus its displacement (0 outside). The
//                paper's A = 34, S = 4 for 28 x 28 digits is what `elastic`
//                alone means. Applied after the translation and the flip.
// Results depend only on the generator's state: per image the draws are the
// shift (x, then y), the crop offset (x, then y), the flip, then the elastic
// x and y fields row by row, each only when that kind is on (so turning one
// kind on changes what the others draw). Pixel values are only moved and
// mixed, never scaled: images in [lo, hi] with lo <= 0 <= hi stay there.
#pragma once

#include <random>
#include <string>
#include <string_view>

#include "ir/tensor.h"

namespace cnnc::data {

struct Augmentation {
  int shift = 0;         // pixels, >= 0
  int crop_padding = 0;  // pixels, >= 0
  bool flip = false;
  double elastic_alpha = 0;  // pixels, 0 to 1e6; 0: no elastic distortion
  double elastic_sigma = 4;  // pixels, > 0 when elastic_alpha > 0

  bool enabled() const { return shift > 0 || crop_padding > 0 || flip || elastic_alpha > 0; }
  bool operator==(const Augmentation&) const = default;
};

// Parses a comma-separated list such as "shift=2,flip,crop=4,elastic=34:4"
// (`elastic=A` keeps S = 4; "" or "none" is no augmentation). Throws
// std::invalid_argument naming the bad item: an unknown kind, a missing,
// extra or out-of-range value, or a kind given twice.
Augmentation parse_augmentation(std::string_view spec);
// The canonical spec, which parse_augmentation reads back to `a`; "none"
// when nothing is on.
std::string to_string(const Augmentation& a);

// Augments every image of `batch` in place. Throws std::invalid_argument
// when `batch` is not 4-D or `a` has a negative size or a sigma <= 0.
void augment(ir::Tensor& batch, const Augmentation& a, std::mt19937_64& rng);

}  // namespace cnnc::data
