#include "runtime/data/image_folder.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <stdexcept>
#include <vector>

#include "runtime/image.h"
#include "runtime/io_error.h"

namespace cnnc::data {

namespace {

namespace fs = std::filesystem;

bool is_image_name(const fs::path& path) {
  std::string ext = path.extension().string();
  std::ranges::transform(ext, ext.begin(), [](unsigned char c) { return std::tolower(c); });
  return ext == ".png" || ext == ".jpg" || ext == ".jpeg" || ext == ".bmp";
}

// The entries of `dir` that pass `keep`, sorted by name. Filesystem errors
// (permissions, a folder removed meanwhile) become IoErrors naming the path
// rather than escaping as std::filesystem_error.
template <class Keep>
std::vector<fs::path> sorted_entries(const fs::path& dir, Keep keep) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
    if (keep(*it)) out.push_back(it->path());
  if (ec)
    throw IoError(fmt::format("'{}': cannot list the folder: {}", dir.string(), ec.message()));
  std::ranges::sort(out, [](const fs::path& a, const fs::path& b) {
    return a.filename().string() < b.filename().string();
  });
  return out;
}

}  // namespace

LabeledImages read_image_folder(const std::string& dir, const ImageFolderOptions& options) {
  if (options.channels != 1 && options.channels != 3)
    throw std::invalid_argument(
        fmt::format("image folder '{}': channels must be 1 or 3, not {}", dir, options.channels));
  if (options.height < 1 || options.width < 1)
    throw std::invalid_argument(
        fmt::format("image folder '{}': the image size {}x{} must be positive", dir, options.height,
                    options.width));
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    throw IoError(fmt::format("image folder '{}' does not exist or is not a folder", dir));

  const auto class_dirs = sorted_entries(dir, [](const fs::directory_entry& e) {
    std::error_code ignored;
    return e.is_directory(ignored) && !e.path().filename().string().starts_with('.');
  });
  if (class_dirs.empty())
    throw IoError(
        fmt::format("image folder '{}' has no class subfolders: put the images of each class in a "
                    "subfolder named after the class",
                    dir));

  LabeledImages out;
  std::vector<std::string> paths;
  std::vector<float> labels;
  for (size_t c = 0; c < class_dirs.size(); ++c) {
    const auto images = sorted_entries(class_dirs[c], [](const fs::directory_entry& e) {
      std::error_code ignored;
      return e.is_regular_file(ignored) && is_image_name(e.path());
    });
    if (images.empty())
      throw IoError(fmt::format("class folder '{}' has no images (.png, .jpg, .jpeg or .bmp)",
                                class_dirs[c].string()));
    out.class_names.push_back(class_dirs[c].filename().string());
    for (const auto& image : images) {
      paths.push_back(image.string());
      labels.push_back(static_cast<float>(c));
    }
  }

  const auto n = static_cast<int64_t>(paths.size());
  // load_images names the file that fails to decode.
  out.images = load_images(paths, ir::Shape{n, options.channels, options.height, options.width});
  out.labels = ir::Tensor(ir::Shape{n}, std::move(labels));
  out.classes = static_cast<int64_t>(class_dirs.size());
  return out;
}

}  // namespace cnnc::data
