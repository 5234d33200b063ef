// IDX files, the format of MNIST and Fashion-MNIST: two zero bytes, a type
// byte, the number of dimensions, each dimension as a big-endian uint32,
// then the values in row-major order. Read plain or gzip-compressed (as
// Debian's dataset-fashion-mnist installs them under
// /usr/share/datasets/fashion-mnist). Only unsigned-byte data (type 0x08),
// the type of every image and label file of those sets, is accepted.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ir/tensor.h"

namespace cnnc::data {

struct IdxArray {
  std::vector<int64_t> dims;
  std::vector<uint8_t> values;  // product of dims, row-major
};

// Throws IoError naming the file: missing, not IDX, another data type, or
// fewer (or more) bytes than the dimensions say.
IdxArray read_idx(const std::string& path);

// A labelled image set, whichever loader made it (IDX here, image folders in
// image_folder.h, .npy pairs in npy_dataset.h).
struct LabeledImages {
  ir::Tensor images;    // [N, C, H, W]; from IDX: C = 1, pixel values / 255
  ir::Tensor labels;    // [N], class indices as floats
  int64_t classes = 0;  // 1 + the largest label
  // The name of each class, indexed by label, where the data has names (an
  // image folder's subfolders); empty for IDX and .npy, whose classes are
  // only numbers (rather than "0".."9", so nobody mistakes a guess for a name).
  std::vector<std::string> class_names;
};

// `<dir>/<split>-images-idx3-ubyte` and `<split>-labels-idx1-ubyte`, each
// with or without `.gz`; split "train", or "test" (the files say "t10k").
// Throws IoError naming the file for a bad one, or when the two disagree
// on the number of items.
LabeledImages read_idx_dataset(const std::string& dir, std::string_view split);

}  // namespace cnnc::data
