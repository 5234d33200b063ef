#include "runtime/safetensors.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "runtime/io_error.h"
#include "tests/runtime/test_util.h"

namespace cnnc {
namespace {

using testing::read_bytes;
using testing::TempDir;
using testing::write_bytes;

// A file from a header written by hand and raw data bytes.
std::vector<char> make_file(const std::string& header, const std::vector<char>& data) {
  uint64_t n = header.size();
  std::string bytes(reinterpret_cast<const char*>(&n), 8);
  bytes += header;
  bytes.append(data.begin(), data.end());
  return {bytes.begin(), bytes.end()};
}

template <typename T>
std::vector<char> raw(std::initializer_list<T> values) {
  std::vector<char> out(values.size() * sizeof(T));
  std::memcpy(out.data(), std::data(values), out.size());
  return out;
}

std::string error_of(const std::string& path) {
  try {
    safetensors::File::open(path);
  } catch (const IoError& e) {
    return e.what();
  }
  return "no error";
}

std::map<std::string, ir::Tensor> sample_tensors() {
  std::map<std::string, ir::Tensor> t;
  t.emplace("c1.weight", ir::Tensor(ir::Shape{2, 1, 2, 2}, {1, -2, 3.5f, 4, 5, 6, 7, -8e-3f}));
  t.emplace("c1.bias", ir::Tensor(ir::Shape{2}, {0.25f, -0.5f}));
  t.emplace("scalar", ir::Tensor(ir::Shape{}, {42.0f}));
  t.emplace("empty", ir::Tensor(ir::Shape{0, 3}));
  return t;
}

TEST(Safetensors, RoundTripKeepsValuesShapesAndMetadata) {
  TempDir dir;
  auto path = dir.file("w.safetensors");
  auto tensors = sample_tensors();
  safetensors::write(path, tensors, {{"model", "lenet"}});

  auto file = safetensors::File::open(path);
  EXPECT_EQ(file.metadata().at("model"), "lenet");
  ASSERT_EQ(file.tensors().size(), tensors.size());
  for (const auto& [name, t] : tensors) {
    const auto* info = file.find(name);
    ASSERT_NE(info, nullptr) << name;
    EXPECT_EQ(info->dtype, "F32");
    auto back = file.read(name);
    EXPECT_EQ(back.shape(), t.shape()) << name;
    EXPECT_TRUE(
        std::equal(back.data().begin(), back.data().end(), t.data().begin(), t.data().end()))
        << name;
  }
  EXPECT_EQ(safetensors::read(path).size(), tensors.size());
  // The data starts 8-byte aligned, and nothing but the file is left behind.
  uint64_t header_len;
  std::memcpy(&header_len, read_bytes(path).data(), 8);
  EXPECT_EQ(header_len % 8, 0u);
  EXPECT_EQ(dir.entries(), std::vector<std::string>{"w.safetensors"});
}

TEST(Safetensors, WriteReplacesAnExistingFile) {
  TempDir dir;
  auto path = dir.file("w.safetensors");
  safetensors::write(path, sample_tensors());
  safetensors::write(path, {{"only", ir::Tensor(ir::Shape{1}, {9.0f})}});
  auto back = safetensors::read(path);
  ASSERT_EQ(back.size(), 1u);
  EXPECT_EQ(back.at("only")[0], 9.0f);
}

TEST(Safetensors, WriteIntoMissingDirectoryFailsNamingTheFile) {
  TempDir dir;
  auto path = dir.file("no/such/dir/w.safetensors");
  try {
    safetensors::write(path, sample_tensors());
    FAIL() << "expected IoError";
  } catch (const IoError& e) {
    EXPECT_CONTAINS(e.what(), path);
  }
}

TEST(Safetensors, ConvertsF64F16AndBF16ToFloat) {
  TempDir dir;
  auto path = dir.file("mixed.safetensors");
  std::vector<char> data = raw<double>({1.5, -2.25});
  auto f16 = raw<uint16_t>({0x3c00, 0xc000, 0x0001, 0x7c00});  // 1, -2, smallest subnormal, inf
  auto bf16 = raw<uint16_t>({0x3f80, 0x4049});                 // 1, 3.140625
  data.insert(data.end(), f16.begin(), f16.end());
  data.insert(data.end(), bf16.begin(), bf16.end());
  write_bytes(path, make_file(R"({"a":{"dtype":"F64","shape":[2],"data_offsets":[0,16]},)"
                              R"("b":{"dtype":"F16","shape":[2,2],"data_offsets":[16,24]},)"
                              R"("c":{"dtype":"BF16","shape":[2],"data_offsets":[24,28]}})",
                              data));
  auto t = safetensors::read(path);
  EXPECT_EQ(t.at("a")[0], 1.5f);
  EXPECT_EQ(t.at("a")[1], -2.25f);
  EXPECT_EQ(t.at("b").shape(), (ir::Shape{2, 2}));
  EXPECT_EQ(t.at("b")[0], 1.0f);
  EXPECT_EQ(t.at("b")[1], -2.0f);
  EXPECT_FLOAT_EQ(t.at("b")[2], 5.9604645e-8f);
  EXPECT_TRUE(std::isinf(t.at("b")[3]));
  EXPECT_EQ(t.at("c")[0], 1.0f);
  EXPECT_EQ(t.at("c")[1], 3.140625f);
}

TEST(Safetensors, IntegerTensorIsListedButReadingItNamesTensorAndDtype) {
  TempDir dir;
  auto path = dir.file("int.safetensors");
  write_bytes(path, make_file(R"({"steps":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}})",
                              raw<int64_t>({7})));
  auto file = safetensors::File::open(path);
  ASSERT_NE(file.find("steps"), nullptr);
  EXPECT_EQ(file.find("steps")->dtype, "I64");
  try {
    file.read("steps");
    FAIL() << "expected IoError";
  } catch (const IoError& e) {
    EXPECT_CONTAINS(e.what(), path);
    EXPECT_CONTAINS(e.what(), "'steps'");
    EXPECT_CONTAINS(e.what(), "I64");
  }
  EXPECT_THROW(file.read("absent"), IoError);
}

TEST(Safetensors, MissingFileNamesIt) {
  TempDir dir;
  auto path = dir.file("absent.safetensors");
  EXPECT_CONTAINS(error_of(path), path);
  EXPECT_CONTAINS(error_of(path), "No such file");
}

TEST(Safetensors, EveryTruncationIsAClearError) {
  TempDir dir;
  auto good = dir.file("good.safetensors");
  safetensors::write(good, sample_tensors());
  auto bytes = read_bytes(good);
  uint64_t header_len;
  std::memcpy(&header_len, bytes.data(), 8);
  auto path = dir.file("cut.safetensors");
  for (size_t size = 0; size < bytes.size(); ++size) {
    write_bytes(path, std::vector<char>(bytes.begin(), bytes.begin() + static_cast<long>(size)));
    std::string message = error_of(path);
    EXPECT_CONTAINS(message, path) << "truncated to " << size;
    if (size >= 8 + header_len) {  // the header is intact: a tensor's data is cut
      EXPECT_CONTAINS(message, "tensor '");
      EXPECT_CONTAINS(message, "truncated");
    }
  }
}

TEST(Safetensors, BadHeaderLength) {
  TempDir dir;
  auto good = dir.file("good.safetensors");
  safetensors::write(good, sample_tensors());
  auto bytes = read_bytes(good);
  auto path = dir.file("bad.safetensors");
  for (uint64_t len : {uint64_t{1} << 40, static_cast<uint64_t>(bytes.size()), uint64_t{0}}) {
    auto copy = bytes;
    std::memcpy(copy.data(), &len, 8);
    write_bytes(path, copy);
    std::string message = error_of(path);
    EXPECT_CONTAINS(message, path) << len;
    EXPECT_CONTAINS(message, "header length") << len;
  }
}

TEST(Safetensors, MalformedJson) {
  TempDir dir;
  auto path = dir.file("bad.safetensors");
  for (std::string header : {R"({"a":{"dtype":"F32",)", R"([1, 2, 3])", R"(not json at all)"}) {
    write_bytes(path, make_file(header, {}));
    std::string message = error_of(path);
    EXPECT_CONTAINS(message, path) << header;
    EXPECT_TRUE(message.find("malformed JSON") != std::string::npos ||
                message.find("not an object") != std::string::npos)
        << message;
  }
}

struct BadHeaderCase {
  std::string header;
  size_t data_bytes;
  std::string expected;  // part of the message besides the file name
};

TEST(Safetensors, BadEntriesNameTheTensor) {
  std::vector<BadHeaderCase> cases = {
      {R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0,16]}})", 8,
       "tensor 'w': data_offsets [0, 16] go past the end"},
      {R"({"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", 8,
       "tensor 'w': data_offsets [0, 8] hold 8 bytes, but shape [3] of F32 needs 12"},
      {R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}})", 8,
       "tensor 'w': data_offsets [8, 0] end before"},
      {R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
       12, "tensor 'b': data_offsets [4, 12] overlap tensor 'a'"},
      {R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", 8,
       "tensor 'a': data_offsets [4, 8] leave a gap"},
      {R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})", 8,
       "4 bytes after the last tensor"},
      {R"({"w":{"dtype":"Q4","shape":[2],"data_offsets":[0,8]}})", 8,
       "tensor 'w': unknown dtype 'Q4'"},
      {R"({"w":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}})", 8,
       "tensor 'w': shape [-2] has a dimension"},
      {R"({"w":{"dtype":"F32","shape":[2]}})", 8, "tensor 'w': missing \"data_offsets\""},
      {R"({"w":{"shape":[2],"data_offsets":[0,8]}})", 8, "tensor 'w': missing \"dtype\""},
      {R"({"w":{"dtype":"F32","data_offsets":[0,8]}})", 8, "tensor 'w': missing \"shape\""},
      {R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8],"extra":1}})", 8,
       "tensor 'w': unexpected field 'extra'"},
      {R"({"w":[1,2]})", 8, "tensor 'w': expected an object"},
      {R"({"__metadata__":{"k":1},"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", 8,
       "metadata 'k' is not a string"},
      {R"({"w":{"dtype":"F32","shape":[4294967296,4294967296,4294967296],"data_offsets":[0,8]}})",
       8, "tensor 'w': shape"},
  };
  TempDir dir;
  auto path = dir.file("bad.safetensors");
  for (const auto& c : cases) {
    write_bytes(path, make_file(c.header, std::vector<char>(c.data_bytes)));
    std::string message = error_of(path);
    EXPECT_CONTAINS(message, path) << c.header;
    EXPECT_CONTAINS(message, c.expected) << c.header;
  }
}

TEST(Safetensors, ParsesHandWrittenFileWithMetadata) {
  auto file = safetensors::File::parse(
      make_file(
          R"({"__metadata__":{"format":"pt"},"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})",
          raw<float>({1.0f, 2.0f})),
      "memory");
  EXPECT_EQ(file.metadata().at("format"), "pt");
  EXPECT_EQ(file.read("x")[1], 2.0f);
}

}  // namespace
}  // namespace cnnc
