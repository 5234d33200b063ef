#include "runtime/npy.h"

#include <fmt/format.h>

#include <bit>
#include <cctype>
#include <cstring>
#include <optional>
#include <variant>

#include "runtime/file_io.h"
#include "runtime/io_error.h"

namespace cnnc::npy {

static_assert(std::endian::native == std::endian::little,
              "'<' dtypes are little-endian; a big-endian host would need byte swaps");

namespace {

constexpr std::string_view kMagic = "\x93NUMPY";

struct Header {
  std::string descr;
  bool fortran_order = false;
  std::vector<int64_t> shape;
};

// Parses the dict literal NumPy writes (and the variations a hand-written
// or older writer may produce: either quote, any spacing, trailing commas).
class HeaderParser {
 public:
  HeaderParser(std::string_view text, const std::string& source) : text_(text), source_(source) {}

  Header parse() {
    Header h;
    bool have_descr = false, have_order = false, have_shape = false;
    expect('{');
    while (!peek('}')) {
      std::string key = string_literal();
      expect(':');
      if (key == "descr") {
        h.descr = string_literal();
        have_descr = true;
      } else if (key == "fortran_order") {
        h.fortran_order = boolean();
        have_order = true;
      } else if (key == "shape") {
        h.shape = tuple();
        have_shape = true;
      } else {
        fail(fmt::format("unexpected key '{}'", key));
      }
      if (!peek('}')) expect(',');
    }
    expect('}');
    if (!have_descr || !have_order || !have_shape)
      fail("the header must have 'descr', 'fortran_order' and 'shape'");
    return h;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw IoError(fmt::format("{}: malformed .npy header at character {}: {} (header: {})", source_,
                              pos_, what, text_));
  }
  void skip_space() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }
  bool peek(char c) {
    skip_space();
    return pos_ < text_.size() && text_[pos_] == c;
  }
  void expect(char c) {
    if (!peek(c)) fail(fmt::format("expected '{}'", c));
    ++pos_;
  }
  std::string string_literal() {
    skip_space();
    if (pos_ >= text_.size() || (text_[pos_] != '\'' && text_[pos_] != '"'))
      fail("expected a string");
    char quote = text_[pos_++];
    size_t end = text_.find(quote, pos_);
    if (end == std::string_view::npos) fail("unterminated string");
    std::string s(text_.substr(pos_, end - pos_));
    pos_ = end + 1;
    return s;
  }
  bool boolean() {
    skip_space();
    for (auto [word, value] : {std::pair{"True", true}, std::pair{"False", false}}) {
      std::string_view w = word;
      if (text_.substr(pos_, w.size()) == w) {
        pos_ += w.size();
        return value;
      }
    }
    fail("expected True or False");
  }
  std::vector<int64_t> tuple() {
    expect('(');
    std::vector<int64_t> dims;
    while (!peek(')')) {
      skip_space();
      size_t start = pos_;
      int64_t v = 0;
      while (pos_ < text_.size() && std::isdigit(static_cast<unsigned char>(text_[pos_]))) {
        if (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, text_[pos_] - '0', &v))
          fail("dimension too large");
        ++pos_;
      }
      if (pos_ == start) fail("expected a non-negative integer dimension");
      // Python 2 writers may append L to long integers.
      if (pos_ < text_.size() && text_[pos_] == 'L') ++pos_;
      dims.push_back(v);
      if (!peek(')')) expect(',');
    }
    expect(')');
    return dims;
  }

  std::string_view text_;
  const std::string& source_;
  size_t pos_ = 0;
};

template <typename T>
void convert(const char* src, std::span<float> dst) {
  for (size_t i = 0; i < dst.size(); ++i) {
    T v;
    std::memcpy(&v, src + i * sizeof(T), sizeof(T));
    dst[i] = static_cast<float>(v);
  }
}

std::optional<size_t> item_size(std::string_view descr) {
  if (descr == "<f4" || descr == "<i4") return 4;
  if (descr == "<f8" || descr == "<i8") return 8;
  if (descr == "|u1" || descr == "<u1") return 1;
  return std::nullopt;
}

}  // namespace

ir::Tensor decode(std::span<const char> bytes, const std::string& source, std::string* dtype) {
  if (bytes.size() < kMagic.size() + 2 || std::string_view(bytes.data(), kMagic.size()) != kMagic)
    throw IoError(
        fmt::format("{}: not a .npy file (it does not start with \"\\x93NUMPY\")", source));
  auto major = static_cast<unsigned char>(bytes[6]);
  size_t length_bytes = major == 1 ? 2 : (major == 2 || major == 3) ? 4 : 0;
  if (length_bytes == 0)
    throw IoError(
        fmt::format("{}: .npy format version {}.{} is not supported (1.0, 2.0 and 3.0 are)", source,
                    major, static_cast<unsigned char>(bytes[7])));
  size_t prefix = 8 + length_bytes;
  if (bytes.size() < prefix)
    throw IoError(fmt::format("{}: truncated .npy file ({} bytes)", source, bytes.size()));
  uint64_t header_len = 0;
  for (size_t i = 0; i < length_bytes; ++i)
    header_len |= static_cast<uint64_t>(static_cast<unsigned char>(bytes[8 + i])) << (8 * i);
  if (header_len > bytes.size() - prefix)
    throw IoError(
        fmt::format("{}: header length {} is beyond the end of the file ({} bytes): the "
                    "file is truncated or corrupt",
                    source, header_len, bytes.size()));
  Header h = HeaderParser(std::string_view(bytes.data() + prefix, header_len), source).parse();

  if (h.fortran_order)
    throw IoError(
        fmt::format("{}: the array is in Fortran order; save it in C order "
                    "(numpy.ascontiguousarray) and try again",
                    source));
  auto size = item_size(h.descr);
  if (!size)
    throw IoError(
        fmt::format("{}: dtype '{}' is not supported; use float32 ('<f4'), float64, "
                    "int64, int32 or uint8",
                    source, h.descr));
  uint64_t elements = 1;
  for (auto d : h.shape)
    if (__builtin_mul_overflow(elements, static_cast<uint64_t>(d), &elements))
      throw IoError(fmt::format("{}: shape is too large", source));
  ir::Shape shape(h.shape);
  uint64_t expected = 0;
  uint64_t available = bytes.size() - prefix - header_len;
  if (__builtin_mul_overflow(elements, *size, &expected) || expected != available)
    throw IoError(fmt::format("{}: shape {} of '{}' needs {} bytes of data, the file has {}{}",
                              source, ir::to_string(shape), h.descr, elements * *size, available,
                              available < expected ? ": the file is truncated" : ""));

  ir::Tensor t(shape);
  const char* data = bytes.data() + prefix + header_len;
  if (h.descr == "<f4")
    convert<float>(data, t.data());
  else if (h.descr == "<f8")
    convert<double>(data, t.data());
  else if (h.descr == "<i4")
    convert<int32_t>(data, t.data());
  else if (h.descr == "<i8")
    convert<int64_t>(data, t.data());
  else
    convert<uint8_t>(data, t.data());
  if (dtype) *dtype = h.descr;
  return t;
}

ir::Tensor read(const std::string& path, std::string* dtype) {
  auto bytes = read_file_bytes(path);
  return decode(bytes, path, dtype);
}

std::vector<char> encode(const ir::Tensor& tensor) {
  std::string shape;
  for (auto d : tensor.shape().dims) shape += fmt::format("{}, ", d);
  if (tensor.shape().rank() > 1)
    shape.resize(shape.size() - 2);  // (3,) but (2, 3)
  else if (tensor.shape().rank() == 1)
    shape.resize(shape.size() - 1);
  std::string header =
      fmt::format("{{'descr': '<f4', 'fortran_order': False, 'shape': ({}), }}", shape);
  // Pad with spaces and end with a newline so the data starts 64-byte aligned.
  size_t length_bytes = header.size() + 1 + 10 > 65535 ? 4 : 2;
  size_t prefix = 8 + length_bytes;
  header.append((64 - (prefix + header.size() + 1) % 64) % 64, ' ');
  header += '\n';
  std::vector<char> out(kMagic.begin(), kMagic.end());
  out.push_back(static_cast<char>(length_bytes == 2 ? 1 : 2));
  out.push_back(0);
  for (size_t i = 0; i < length_bytes; ++i)
    out.push_back(static_cast<char>((header.size() >> (8 * i)) & 0xff));
  out.insert(out.end(), header.begin(), header.end());
  const char* p = reinterpret_cast<const char*>(tensor.raw());
  out.insert(out.end(), p, p + tensor.size() * static_cast<int64_t>(sizeof(float)));
  return out;
}

void write(const std::string& path, const ir::Tensor& tensor) {
  auto bytes = encode(tensor);
  write_file_atomically(path, bytes);
}

}  // namespace cnnc::npy
