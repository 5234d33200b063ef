// Image folders, the layout of torchvision's ImageFolder and Keras'
// image_dataset_from_directory: one subfolder per class, the images of that
// class inside it,
//   dir/cat/001.png  dir/cat/002.jpg  dir/dog/a.bmp ...
// Class i is the i-th subfolder name in byte order (so "10" comes before
// "9"; name folders "09" to keep numeric order), and the images of a class
// are read in byte order of their names. Subfolders whose name starts with
// '.' (.git, .ipynb_checkpoints) are skipped, and so are files that are not
// PNG, JPEG or BMP by extension (.png, .jpg, .jpeg, .bmp, any case) and
// anything deeper than one level. Each image is loaded by load_image
// (runtime/image.h): values in [0, 1], converted to gray or RGB, resized to
// the size asked for.
#pragma once

#include <cstdint>
#include <string>

#include "runtime/data/idx.h"

namespace cnnc::data {

struct ImageFolderOptions {
  int channels = 1;    // 1 (grayscale) or 3 (RGB)
  int64_t height = 0;  // every image is resized to height x width;
  int64_t width = 0;   // both must be given (positive)
};

// The images as [N, channels, height, width], labels as subfolder indices,
// class_names the subfolder names. Throws std::invalid_argument for bad
// options, and IoError naming the path when `dir` is not a directory, has
// no class subfolders, a class subfolder has no images, or an image cannot
// be read or decoded.
LabeledImages read_image_folder(const std::string& dir, const ImageFolderOptions& options);

}  // namespace cnnc::data
