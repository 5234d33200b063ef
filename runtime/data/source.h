// Data sets as the command line names them:
//   idx:DIR              IDX files with train and test splits (MNIST, Fashion-MNIST)
//   folder:DIR           one subfolder per class; DIR/train and DIR/test when both
//                        exist, else all of DIR is the training split
//   npy:IMAGES,LABELS    two .npy files, a training split only
#pragma once

#include <string>
#include <string_view>

#include "runtime/data/idx.h"

namespace cnnc::data {

struct DataSource {
  enum class Kind { Idx, Folder, Npy };
  Kind kind = Kind::Idx;
  std::string path, labels_path;
  std::string text;  // as given
};

// std::invalid_argument explaining a malformed spec.
DataSource parse_data_source(std::string_view spec);
bool has_split(const DataSource& source, std::string_view split);
// Split "train" or "test"; images of a folder are loaded as `channels` x
// `height` x `width`. Throws IoError for unreadable data and
// std::invalid_argument for a split the source does not have.
LabeledImages load_split(const DataSource& source, std::string_view split, int channels,
                         int64_t height, int64_t width);

}  // namespace cnnc::data
