#include "runtime/data/idx.h"

#include <fmt/format.h>
#include <zlib.h>

#include <algorithm>
#include <filesystem>
#include <memory>

#include "runtime/io_error.h"

namespace cnnc::data {

namespace {

namespace fs = std::filesystem;

struct GzClose {
  void operator()(gzFile f) const { gzclose(f); }
};
using GzFile = std::unique_ptr<std::remove_pointer_t<gzFile>, GzClose>;

// Reads exactly `size` bytes (zlib reads plain files transparently).
void read_exactly(gzFile f, void* out, size_t size, const std::string& path, const char* what) {
  auto* bytes = static_cast<char*>(out);
  size_t done = 0;
  while (done < size) {
    const unsigned chunk = static_cast<unsigned>(std::min<size_t>(size - done, 1u << 30));
    const int got = gzread(f, bytes + done, chunk);
    if (got < 0) {
      int code = 0;
      throw IoError(fmt::format("'{}': cannot read {}: {}", path, what, gzerror(f, &code)));
    }
    if (got == 0)
      throw IoError(
          fmt::format("'{}': truncated: {} ends after {} of {} bytes", path, what, done, size));
    done += static_cast<size_t>(got);
  }
}

std::string existing(const fs::path& base) {
  for (const fs::path& p : {base, fs::path(base.string() + ".gz")})
    if (fs::exists(p)) return p.string();
  throw IoError(fmt::format("'{}' (or '{}.gz') does not exist", base.string(), base.string()));
}

}  // namespace

IdxArray read_idx(const std::string& path) {
  if (!fs::is_regular_file(path)) throw IoError(fmt::format("'{}' is not a readable file", path));
  GzFile f(gzopen(path.c_str(), "rb"));
  if (!f) throw IoError(fmt::format("cannot open '{}'", path));
  unsigned char magic[4];
  read_exactly(f.get(), magic, 4, path, "the IDX header");
  if (magic[0] != 0 || magic[1] != 0)
    throw IoError(
        fmt::format("'{}' is not an IDX file (it does not start with two zero bytes)", path));
  if (magic[2] != 0x08)
    throw IoError(
        fmt::format("'{}': IDX data type 0x{:02x} is not supported (only unsigned bytes, 0x08)",
                    path, magic[2]));
  if (magic[3] == 0 || magic[3] > 4)
    throw IoError(fmt::format("'{}': {} dimensions; expected 1 to 4", path, magic[3]));
  IdxArray array;
  int64_t count = 1;
  for (int d = 0; d < magic[3]; ++d) {
    unsigned char be[4];
    read_exactly(f.get(), be, 4, path, "the IDX header");
    const int64_t size = (int64_t{be[0]} << 24) | (be[1] << 16) | (be[2] << 8) | be[3];
    if (size == 0 || count > (int64_t{1} << 36) / size)
      throw IoError(fmt::format("'{}': dimension {} has size {}", path, d, size));
    array.dims.push_back(size);
    count *= size;
  }
  array.values.resize(static_cast<size_t>(count));
  read_exactly(f.get(), array.values.data(), array.values.size(), path, "the data");
  char extra;
  if (gzread(f.get(), &extra, 1) > 0)
    throw IoError(fmt::format("'{}': more bytes than its dimensions ({}) say", path,
                              fmt::join(array.dims, "x")));
  return array;
}

LabeledImages read_idx_dataset(const std::string& dir, std::string_view split) {
  if (split != "train" && split != "test")
    throw IoError(fmt::format("unknown split '{}' of '{}': use train or test", split, dir));
  const std::string prefix = split == "train" ? "train" : "t10k";
  const std::string images_path = existing(fs::path(dir) / (prefix + "-images-idx3-ubyte"));
  const std::string labels_path = existing(fs::path(dir) / (prefix + "-labels-idx1-ubyte"));
  IdxArray images = read_idx(images_path);
  IdxArray labels = read_idx(labels_path);
  if (images.dims.size() != 3)
    throw IoError(fmt::format("'{}': images must be N x H x W, got {} dimensions", images_path,
                              images.dims.size()));
  if (labels.dims.size() != 1 || labels.dims[0] != images.dims[0])
    throw IoError(fmt::format("'{}' has {} labels for the {} images of '{}'", labels_path,
                              labels.dims.size() == 1 ? labels.dims[0] : int64_t{-1},
                              images.dims[0], images_path));
  const int64_t n = images.dims[0];
  LabeledImages out{.images = ir::Tensor(ir::Shape{n, 1, images.dims[1], images.dims[2]}),
                    .labels = ir::Tensor(ir::Shape{n})};
  for (size_t i = 0; i < images.values.size(); ++i)
    out.images[static_cast<int64_t>(i)] = images.values[i] / 255.0f;
  for (int64_t i = 0; i < n; ++i) {
    out.labels[i] = labels.values[static_cast<size_t>(i)];
    out.classes = std::max<int64_t>(out.classes, labels.values[static_cast<size_t>(i)] + 1);
  }
  return out;
}

}  // namespace cnnc::data
