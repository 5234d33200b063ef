#include "runtime/npy.h"

#include <gtest/gtest.h>

#include <cstring>

#include "runtime/io_error.h"
#include "tests/runtime/test_util.h"

namespace cnnc {
namespace {

using testing::read_bytes;
using testing::TempDir;
using testing::write_bytes;

// A file as NumPy lays it out: magic, version, header length, the dict
// padded with spaces to 64 bytes and ending in a newline, then the data.
std::vector<char> npy_file(const std::string& dict, const std::string& data, int major = 1) {
  size_t length_bytes = major == 1 ? 2 : 4;
  std::string header = dict;
  size_t prefix = 8 + length_bytes;
  header.append((64 - (prefix + header.size() + 1) % 64) % 64, ' ');
  header += '\n';
  std::string out = "\x93NUMPY";
  out += static_cast<char>(major);
  out += '\0';
  for (size_t i = 0; i < length_bytes; ++i)
    out += static_cast<char>((header.size() >> (8 * i)) & 0xff);
  out += header + data;
  return {out.begin(), out.end()};
}

template <typename T>
std::string raw(std::initializer_list<T> values) {
  std::string out(values.size() * sizeof(T), '\0');
  std::memcpy(out.data(), std::data(values), out.size());
  return out;
}

std::string error_of(const std::string& path) {
  return testing::io_error_of([&] { npy::read(path); });
}

TEST(Npy, RoundTripKeepsShapeAndValues) {
  TempDir dir;
  std::vector<ir::Shape> shapes = {{2, 3}, {5}, {}, {0}, {2, 1, 3, 2}};
  for (const auto& shape : shapes) {
    ir::Tensor t(shape);
    for (int64_t i = 0; i < t.size(); ++i) t[i] = static_cast<float>(i) * 0.5f - 1.25f;
    auto path = dir.file("t.npy");
    npy::write(path, t);
    auto back = npy::read(path);
    EXPECT_EQ(back.shape(), shape) << ir::to_string(shape);
    EXPECT_TRUE(
        std::equal(back.data().begin(), back.data().end(), t.data().begin(), t.data().end()));
  }
  EXPECT_EQ(dir.entries(), std::vector<std::string>{"t.npy"});
}

TEST(Npy, WritesTheHeaderNumPyWrites) {
  auto bytes = npy::encode(ir::Tensor(ir::Shape{5}));
  ASSERT_GT(bytes.size(), 10u);
  EXPECT_EQ(std::string(bytes.data(), 6), "\x93NUMPY");
  EXPECT_EQ(bytes[6], 1);
  EXPECT_EQ(bytes[7], 0);
  size_t header_len = static_cast<unsigned char>(bytes[8]) | static_cast<unsigned char>(bytes[9])
                                                                 << 8;
  EXPECT_EQ((10 + header_len) % 64, 0u);
  std::string header(bytes.data() + 10, header_len);
  EXPECT_EQ(header.rfind("{'descr': '<f4', 'fortran_order': False, 'shape': (5,), }", 0), 0u)
      << header;
  EXPECT_EQ(header.back(), '\n');
  EXPECT_EQ(bytes.size(), 10 + header_len + 5 * sizeof(float));

  auto matrix = npy::encode(ir::Tensor(ir::Shape{2, 3}));
  EXPECT_NE(std::string(matrix.begin(), matrix.end()).find("'shape': (2, 3)"), std::string::npos);
  auto scalar = npy::encode(ir::Tensor(ir::Shape{}, {1.0f}));
  EXPECT_NE(std::string(scalar.begin(), scalar.end()).find("'shape': ()"), std::string::npos);
}

TEST(Npy, ConvertsOtherDtypesToFloat) {
  struct Case {
    std::string descr, data;
  };
  std::vector<Case> cases = {
      {"<f4", raw<float>({1.5f, -2.0f, 3.0f})}, {"<f8", raw<double>({1.5, -2.0, 3.0})},
      {"<i4", raw<int32_t>({1, -2, 3})},        {"<i8", raw<int64_t>({1, -2, 3})},
      {"|u1", raw<uint8_t>({1, 254, 3})},
  };
  for (const auto& c : cases) {
    auto bytes =
        npy_file("{'descr': '" + c.descr + "', 'fortran_order': False, 'shape': (3,), }", c.data);
    auto t = npy::decode(bytes, "mem");
    ASSERT_EQ(t.shape(), ir::Shape{3}) << c.descr;
    EXPECT_EQ(t[0], c.descr == "<f4" || c.descr == "<f8" ? 1.5f : 1.0f) << c.descr;
    EXPECT_EQ(t[1], c.descr == "|u1" ? 254.0f : -2.0f) << c.descr;
    EXPECT_EQ(t[2], 3.0f) << c.descr;
  }
}

TEST(Npy, AcceptsVersion2AndLooseSpelling) {
  auto v2 = npy_file("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2), }",
                     raw<float>({4, 5}), 2);
  auto t = npy::decode(v2, "mem");
  EXPECT_EQ(t.shape(), (ir::Shape{1, 2}));
  EXPECT_EQ(t[1], 5.0f);
  auto loose =
      npy_file("{\"shape\":(2L,),\"fortran_order\":False,\"descr\":\"<f4\"}", raw<float>({4, 5}));
  EXPECT_EQ(npy::decode(loose, "mem").shape(), ir::Shape{2});
}

TEST(Npy, BadInputsAreClearErrorsNamingTheFile) {
  struct Case {
    std::vector<char> bytes;
    std::string expected;
  };
  std::string two = raw<float>({1, 2});
  std::vector<Case> cases = {
      {npy_file("{'descr': '<f4', 'fortran_order': True, 'shape': (2,), }", two), "Fortran order"},
      {npy_file("{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }", two),
       "dtype '>f4' is not supported"},
      {npy_file("{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }", raw<float>({1, 2})),
       "dtype '<c8'"},
      {npy_file("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }", two),
       "the file is truncated"},
      {npy_file("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", two),
       "needs 4 bytes of data, the file has 8"},
      {npy_file("{'descr': '<f4', 'shape': (2,), }", two),
       "must have 'descr', 'fortran_order' and 'shape'"},
      {npy_file("{'descr': '<f4', 'fortran_order': Maybe, 'shape': (2,), }", two),
       "expected True or False"},
      {npy_file("{'descr': '<f4', 'fortran_order': False, 'shape': (-2,), }", two),
       "non-negative integer"},
      {npy_file("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'x': 1}", two),
       "unexpected key 'x'"},
      {npy_file("not a dict", two), "malformed .npy header"},
      {npy_file("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", two, 4),
       "version 4.0 is not supported"},
      {{'P', 'K', 3, 4, 0, 0, 0, 0, 0, 0}, "not a .npy file"},
      {{}, "not a .npy file"},
  };
  TempDir dir;
  auto path = dir.file("bad.npy");
  for (const auto& c : cases) {
    write_bytes(path, c.bytes);
    std::string message = error_of(path);
    EXPECT_CONTAINS(message, path);
    EXPECT_CONTAINS(message, c.expected);
  }
}

TEST(Npy, EveryTruncationIsAClearError) {
  TempDir dir;
  auto good = dir.file("good.npy");
  npy::write(good, ir::Tensor(ir::Shape{2, 3}, {1, 2, 3, 4, 5, 6}));
  auto bytes = read_bytes(good);
  auto path = dir.file("cut.npy");
  for (size_t size = 0; size < bytes.size(); ++size) {
    write_bytes(path, std::vector<char>(bytes.begin(), bytes.begin() + static_cast<long>(size)));
    EXPECT_CONTAINS(error_of(path), path);
  }
  // A header length pointing past the end of the file.
  bytes[8] = static_cast<char>(0xff);
  bytes[9] = static_cast<char>(0xff);
  write_bytes(path, bytes);
  EXPECT_CONTAINS(error_of(path), "beyond the end of the file");
}

TEST(Npy, MissingFileNamesIt) {
  TempDir dir;
  auto path = dir.file("absent.npy");
  EXPECT_CONTAINS(error_of(path), path);
}

}  // namespace
}  // namespace cnnc
