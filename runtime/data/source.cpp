#include "runtime/data/source.h"

#include <fmt/format.h>

#include <filesystem>
#include <stdexcept>

#include "runtime/data/image_folder.h"
#include "runtime/data/npy_dataset.h"

namespace cnnc::data {

namespace fs = std::filesystem;

DataSource parse_data_source(std::string_view spec) {
  const size_t colon = spec.find(':');
  auto bad = [&](std::string_view why) {
    return std::invalid_argument(fmt::format(
        "--data {}: {} (expected idx:DIR, folder:DIR or npy:IMAGES.npy,LABELS.npy)", spec, why));
  };
  if (colon == std::string_view::npos) throw bad("no kind before ':'");
  DataSource s{.text = std::string(spec)};
  const std::string_view kind = spec.substr(0, colon), rest = spec.substr(colon + 1);
  if (rest.empty()) throw bad("no path after ':'");
  if (kind == "idx") {
    s.kind = DataSource::Kind::Idx;
    s.path = rest;
  } else if (kind == "folder") {
    s.kind = DataSource::Kind::Folder;
    s.path = rest;
  } else if (kind == "npy") {
    const size_t comma = rest.find(',');
    if (comma == std::string_view::npos) throw bad("npy needs two files separated by ','");
    s.kind = DataSource::Kind::Npy;
    s.path = rest.substr(0, comma);
    s.labels_path = rest.substr(comma + 1);
  } else {
    throw bad(fmt::format("unknown kind '{}'", kind));
  }
  return s;
}

namespace {

bool has_split_folders(const std::string& dir) {
  std::error_code ec;
  return fs::is_directory(fs::path(dir) / "train", ec) &&
         fs::is_directory(fs::path(dir) / "test", ec);
}

}  // namespace

bool has_split(const DataSource& source, std::string_view split) {
  if (split == "train") return true;
  if (split != "test") return false;
  switch (source.kind) {
    case DataSource::Kind::Idx:
      return true;
    case DataSource::Kind::Folder:
      return has_split_folders(source.path);
    case DataSource::Kind::Npy:
      return false;
  }
  return false;
}

LabeledImages load_split(const DataSource& source, std::string_view split, int channels,
                         int64_t height, int64_t width) {
  if (!has_split(source, split))
    throw std::invalid_argument(
        fmt::format("--data {} has no '{}' split{}", source.text, split,
                    source.kind == DataSource::Kind::Folder
                        ? " (a folder has train and test splits when it holds train/ and test/)"
                        : ""));
  switch (source.kind) {
    case DataSource::Kind::Idx:
      return read_idx_dataset(source.path, split);
    case DataSource::Kind::Folder: {
      const std::string dir = has_split_folders(source.path)
                                  ? (fs::path(source.path) / std::string(split)).string()
                                  : source.path;
      return read_image_folder(dir, {.channels = channels, .height = height, .width = width});
    }
    case DataSource::Kind::Npy:
      return read_npy_dataset(source.path, source.labels_path);
  }
  throw std::logic_error("unknown data source kind");
}

}  // namespace cnnc::data
