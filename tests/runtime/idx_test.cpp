// IDX files: plain and gzip-compressed, the dataset layout of Debian's
// dataset-fashion-mnist, and every malformed case an IoError naming the file.
#include "runtime/data/idx.h"

#include <zlib.h>

#include "runtime/io_error.h"
#include "tests/runtime/test_util.h"

namespace cnnc::testing {
namespace {

std::vector<char> idx_bytes(const std::vector<uint32_t>& dims, const std::vector<uint8_t>& values,
                            uint8_t type = 0x08) {
  std::vector<char> out{0, 0, static_cast<char>(type), static_cast<char>(dims.size())};
  for (uint32_t d : dims)
    for (int shift : {24, 16, 8, 0}) out.push_back(static_cast<char>((d >> shift) & 0xff));
  out.insert(out.end(), values.begin(), values.end());
  return out;
}

void write_gzip(const std::string& path, const std::vector<char>& bytes) {
  gzFile f = gzopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  ASSERT_EQ(gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size())),
            static_cast<int>(bytes.size()));
  gzclose(f);
}

std::string error_of(const std::string& path) {
  return io_error_of([&] { data::read_idx(path); });
}

TEST(Idx, PlainAndGzipReadTheSame) {
  TempDir dir;
  std::vector<uint8_t> values{0, 1, 2, 3, 4, 5, 250, 251, 252, 253, 254, 255};
  write_bytes(dir.file("a.idx"), idx_bytes({2, 3, 2}, values));
  write_gzip(dir.file("a.idx.gz"), idx_bytes({2, 3, 2}, values));
  for (const char* name : {"a.idx", "a.idx.gz"}) {
    data::IdxArray a = data::read_idx(dir.file(name));
    EXPECT_EQ(a.dims, (std::vector<int64_t>{2, 3, 2})) << name;
    EXPECT_EQ(a.values, values) << name;
  }
}

TEST(Idx, MalformedFilesAreErrorsNamingThem) {
  TempDir dir;
  const std::vector<uint8_t> six{1, 2, 3, 4, 5, 6};
  struct Case {
    const char* name;
    std::vector<char> bytes;
    const char* phrase;
  } cases[] = {
      {"magic", {1, 0, 8, 1, 0, 0, 0, 1, 7}, "not an IDX file"},
      {"float", idx_bytes({6}, six, 0x0d), "data type 0x0d"},
      {"short", idx_bytes({7}, six), "truncated"},
      {"long", idx_bytes({5}, six), "more bytes"},
      {"header", {0, 0, 8, 2, 0, 0}, "truncated"},
      {"zero", idx_bytes({0}, {}), "size 0"},
      {"empty", {}, "truncated"},
  };
  for (const auto& c : cases) {
    write_bytes(dir.file(c.name), c.bytes);
    std::string message = error_of(dir.file(c.name));
    EXPECT_NE(message.find(c.phrase), std::string::npos) << c.name << ": " << message;
    EXPECT_NE(message.find(dir.file(c.name)), std::string::npos) << c.name << ": " << message;
  }
  // A gzip stream cut short.
  write_gzip(dir.file("cut.gz"), idx_bytes({1000}, std::vector<uint8_t>(1000, 7)));
  auto gz = read_bytes(dir.file("cut.gz"));
  gz.resize(gz.size() / 2);
  write_bytes(dir.file("cut.gz"), gz);
  EXPECT_NE(error_of(dir.file("cut.gz")).find("cut.gz"), std::string::npos);
  EXPECT_NE(error_of(dir.file("missing")).find("missing"), std::string::npos);
}

TEST(Idx, DatasetDirectoryPairsImagesWithLabels) {
  TempDir dir;
  std::vector<uint8_t> pixels(3 * 2 * 2);
  for (size_t i = 0; i < pixels.size(); ++i) pixels[i] = static_cast<uint8_t>(i * 20);
  write_gzip(dir.file("t10k-images-idx3-ubyte.gz"), idx_bytes({3, 2, 2}, pixels));
  write_bytes(dir.file("t10k-labels-idx1-ubyte"), idx_bytes({3}, {4, 0, 9}));
  data::LabeledImages set = data::read_idx_dataset(dir.file(""), "test");
  EXPECT_EQ(set.images.shape(), (ir::Shape{3, 1, 2, 2}));
  EXPECT_FLOAT_EQ(set.images[5], 100.0f / 255.0f);
  EXPECT_EQ(set.labels.shape(), (ir::Shape{3}));
  EXPECT_EQ(set.labels[2], 9.0f);
  EXPECT_EQ(set.classes, 10);

  write_bytes(dir.file("train-images-idx3-ubyte"), idx_bytes({3, 2, 2}, pixels));
  write_bytes(dir.file("train-labels-idx1-ubyte"), idx_bytes({2}, {1, 2}));
  try {
    data::read_idx_dataset(dir.file(""), "train");
    ADD_FAILURE() << "2 labels for 3 images were accepted";
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("2 labels for the 3 images"), std::string::npos)
        << e.what();
  }
  EXPECT_THROW(data::read_idx_dataset(dir.file(""), "validation"), IoError);
}

// Debian's dataset-fashion-mnist, which `make test` installs.
TEST(Idx, FashionMnistFromDebian) {
  const std::string dir = "/usr/share/datasets/fashion-mnist";
  ASSERT_TRUE(std::filesystem::exists(dir))
      << dir << " is missing: apt-get install dataset-fashion-mnist";
  data::LabeledImages test = data::read_idx_dataset(dir, "test");
  EXPECT_EQ(test.images.shape(), (ir::Shape{10000, 1, 28, 28}));
  EXPECT_EQ(test.classes, 10);
  std::vector<int> per_class(10);
  for (int64_t i = 0; i < 10000; ++i) ++per_class[static_cast<size_t>(test.labels[i])];
  for (int c = 0; c < 10; ++c) EXPECT_EQ(per_class[static_cast<size_t>(c)], 1000) << "class " << c;
}

}  // namespace
}  // namespace cnnc::testing
