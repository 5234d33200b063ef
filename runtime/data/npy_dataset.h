// A dataset as two .npy files, the form NumPy users already have their data
// in (np.save(images), np.save(labels)):
//   images: [N, C, H, W], or [N, H, W] read as C = 1; uint8 values are
//           pixels and become v / 255, any other dtype runtime/npy.h reads
//           (float32/64, int32/64) is used as it is;
//   labels: [N] class indices, of any of those dtypes, each a whole number
//           from 0 to 2^24 - 1 (above that a float32 label is no longer exact).
#pragma once

#include <string>

#include "runtime/data/idx.h"

namespace cnnc::data {

// class_names stays empty; classes is 1 + the largest label. Throws IoError
// naming the file: unreadable or malformed, images of another rank, no
// images, a label count other than N, or a label that is negative, not a
// whole number or too large (the message gives its index).
LabeledImages read_npy_dataset(const std::string& images_npy, const std::string& labels_npy);

}  // namespace cnnc::data
