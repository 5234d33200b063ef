#include "runtime/safetensors.h"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <cstring>
#include <nlohmann/json.hpp>
#include <optional>

#include "runtime/file_io.h"
#include "runtime/io_error.h"

namespace cnnc::safetensors {

static_assert(std::endian::native == std::endian::little,
              "safetensors data is little-endian; a big-endian host would need byte swaps");

namespace {

// The reference implementation refuses headers above this size, which
// also keeps a corrupt length from asking for gigabytes.
constexpr uint64_t kMaxHeaderBytes = 100'000'000;
constexpr std::string_view kMetadataKey = "__metadata__";

std::optional<size_t> dtype_size(std::string_view dtype) {
  static const std::map<std::string_view, size_t> sizes = {
      {"F64", 8}, {"F32", 4}, {"F16", 2},  {"BF16", 2},    {"I64", 8},
      {"I32", 4}, {"I16", 2}, {"I8", 1},   {"U64", 8},     {"U32", 4},
      {"U16", 2}, {"U8", 1},  {"BOOL", 1}, {"F8_E4M3", 1}, {"F8_E5M2", 1}};
  auto it = sizes.find(dtype);
  if (it == sizes.end()) return std::nullopt;
  return it->second;
}

float half_to_float(uint16_t h) {
  uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  uint32_t exponent = (h >> 10) & 0x1fu;
  uint32_t mantissa = h & 0x3ffu;
  uint32_t bits;
  if (exponent == 0x1f) {
    bits = sign | 0x7f800000u | (mantissa << 13);  // inf or NaN
  } else if (exponent != 0) {
    bits = sign | ((exponent + 112) << 23) | (mantissa << 13);
  } else if (mantissa == 0) {
    bits = sign;  // signed zero
  } else {
    // Subnormal: shift the mantissa up until it is normal.
    int e = -1;
    do {
      ++e;
      mantissa <<= 1;
    } while ((mantissa & 0x400u) == 0);
    bits = sign | (static_cast<uint32_t>(112 - e) << 23) | ((mantissa & 0x3ffu) << 13);
  }
  return std::bit_cast<float>(bits);
}

template <typename T>
T load(const char* p) {
  T v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

std::string describe_json(const nlohmann::json& j) {
  std::string s = j.dump();
  if (s.size() > 60) s = s.substr(0, 57) + "...";
  return s;
}

class HeaderParser {
 public:
  HeaderParser(const std::string& source, uint64_t data_size)
      : source_(source), data_size_(data_size) {}

  [[noreturn]] void fail(const std::string& tensor, const std::string& what) const {
    throw IoError(fmt::format("{}: tensor '{}': {}", source_, tensor, what));
  }

  TensorInfo entry(const std::string& name, const nlohmann::json& j) const {
    if (!j.is_object()) fail(name, fmt::format("expected an object, found {}", describe_json(j)));
    for (auto& [key, _] : j.items())
      if (key != "dtype" && key != "shape" && key != "data_offsets")
        fail(name, fmt::format("unexpected field '{}'", key));
    TensorInfo info{.name = name};

    auto dtype = j.find("dtype");
    if (dtype == j.end() || !dtype->is_string()) fail(name, "missing \"dtype\" string");
    info.dtype = dtype->get<std::string>();
    auto size = dtype_size(info.dtype);
    if (!size) fail(name, fmt::format("unknown dtype '{}'", info.dtype));

    auto shape = j.find("shape");
    if (shape == j.end() || !shape->is_array()) fail(name, "missing \"shape\" array");
    uint64_t elements = 1;
    for (const auto& d : *shape) {
      if (!d.is_number_unsigned())
        fail(name, fmt::format("shape {} has a dimension that is not a non-negative integer",
                               describe_json(*shape)));
      uint64_t dim = d.get<uint64_t>();
      if (dim > static_cast<uint64_t>(INT64_MAX) ||
          __builtin_mul_overflow(elements, dim, &elements))
        fail(name, fmt::format("shape {} is too large", describe_json(*shape)));
      info.shape.dims.push_back(static_cast<int64_t>(dim));
    }

    auto offsets = j.find("data_offsets");
    if (offsets == j.end() || !offsets->is_array() || offsets->size() != 2 ||
        !(*offsets)[0].is_number_unsigned() || !(*offsets)[1].is_number_unsigned())
      fail(name, "missing \"data_offsets\": [BEGIN, END] with non-negative integers");
    info.begin = (*offsets)[0].get<uint64_t>();
    info.end = (*offsets)[1].get<uint64_t>();
    if (info.begin > info.end)
      fail(name, fmt::format("data_offsets [{}, {}] end before they begin", info.begin, info.end));
    if (info.end > data_size_)
      fail(name, fmt::format("data_offsets [{}, {}] go past the end of the data ({} bytes): "
                             "the file is truncated or corrupt",
                             info.begin, info.end, data_size_));
    uint64_t expected_bytes;
    if (__builtin_mul_overflow(elements, *size, &expected_bytes) ||
        info.end - info.begin != expected_bytes)
      fail(name, fmt::format("data_offsets [{}, {}] hold {} bytes, but shape {} of {} needs {}",
                             info.begin, info.end, info.end - info.begin, ir::to_string(info.shape),
                             info.dtype, elements * *size));
    return info;
  }

  // Tensors must tile the data section exactly, in offset order.
  void check_layout(std::vector<TensorInfo> infos) const {
    std::sort(infos.begin(), infos.end(), [](const TensorInfo& a, const TensorInfo& b) {
      return std::tie(a.begin, a.end) < std::tie(b.begin, b.end);
    });
    uint64_t covered = 0;
    const TensorInfo* previous = nullptr;
    for (const auto& info : infos) {
      if (info.begin < covered)
        fail(info.name,
             fmt::format("data_offsets [{}, {}] overlap tensor '{}' [{}, {}]", info.begin, info.end,
                         previous->name, previous->begin, previous->end));
      if (info.begin > covered)
        fail(info.name, fmt::format("data_offsets [{}, {}] leave a gap of {} bytes before it",
                                    info.begin, info.end, info.begin - covered));
      covered = info.end;
      previous = &info;
    }
    if (covered != data_size_)
      throw IoError(
          fmt::format("{}: {} bytes after the last tensor's data: the header does not "
                      "describe the whole file",
                      source_, data_size_ - covered));
  }

 private:
  const std::string& source_;
  uint64_t data_size_;
};

void convert(const TensorInfo& info, const char* src, std::span<float> dst) {
  size_t n = dst.size();
  if (n == 0) return;  // an empty tensor's data pointer may be null
  if (info.dtype == "F32") {
    std::memcpy(dst.data(), src, n * sizeof(float));
  } else if (info.dtype == "F64") {
    for (size_t i = 0; i < n; ++i) dst[i] = static_cast<float>(load<double>(src + 8 * i));
  } else if (info.dtype == "F16") {
    for (size_t i = 0; i < n; ++i) dst[i] = half_to_float(load<uint16_t>(src + 2 * i));
  } else if (info.dtype == "BF16") {
    for (size_t i = 0; i < n; ++i)
      dst[i] = std::bit_cast<float>(static_cast<uint32_t>(load<uint16_t>(src + 2 * i)) << 16);
  }
}

}  // namespace

bool is_float_dtype(std::string_view dtype) {
  return dtype == "F32" || dtype == "F64" || dtype == "F16" || dtype == "BF16";
}

File File::open(const std::string& path) {
  return parse(read_file_bytes(path), path);
}

File File::parse(std::vector<char> bytes, std::string source) {
  File file;
  file.source_ = std::move(source);
  const std::string& src = file.source_;
  if (bytes.size() < 8)
    throw IoError(
        fmt::format("{}: {} bytes is too short for a safetensors file (at least 8 "
                    "bytes of header length): the file is truncated or not safetensors",
                    src, bytes.size()));
  uint64_t header_len = load<uint64_t>(bytes.data());
  uint64_t available = bytes.size() - 8;
  if (header_len > kMaxHeaderBytes)
    throw IoError(
        fmt::format("{}: header length {} exceeds the {}-byte limit: the file is "
                    "corrupt or not safetensors",
                    src, header_len, kMaxHeaderBytes));
  if (header_len > available)
    throw IoError(
        fmt::format("{}: header length {} is beyond the end of the file ({} bytes "
                    "after the length): the file is truncated or not safetensors",
                    src, header_len, available));
  if (header_len < 2)
    throw IoError(
        fmt::format("{}: header length {} is too small for a JSON header", src, header_len));

  nlohmann::json header;
  try {
    header =
        nlohmann::json::parse(bytes.begin() + 8, bytes.begin() + 8 + static_cast<long>(header_len));
  } catch (const nlohmann::json::exception& e) {
    throw IoError(fmt::format("{}: malformed JSON header: {}", src, e.what()));
  }
  if (!header.is_object()) throw IoError(fmt::format("{}: the JSON header is not an object", src));

  file.data_start_ = 8 + header_len;
  HeaderParser parser(src, available - header_len);
  for (auto& [key, value] : header.items()) {
    if (key == kMetadataKey) {
      if (!value.is_object())
        throw IoError(fmt::format("{}: \"{}\" is not an object", src, kMetadataKey));
      for (auto& [mkey, mvalue] : value.items()) {
        if (!mvalue.is_string())
          throw IoError(fmt::format("{}: metadata '{}' is not a string", src, mkey));
        file.metadata_[mkey] = mvalue.get<std::string>();
      }
      continue;
    }
    file.tensors_.push_back(parser.entry(key, value));
  }
  parser.check_layout(file.tensors_);
  std::sort(file.tensors_.begin(), file.tensors_.end(),
            [](const TensorInfo& a, const TensorInfo& b) { return a.name < b.name; });
  file.bytes_ = std::move(bytes);
  return file;
}

const TensorInfo* File::find(std::string_view name) const {
  auto it = std::lower_bound(tensors_.begin(), tensors_.end(), name,
                             [](const TensorInfo& t, std::string_view n) { return t.name < n; });
  return it != tensors_.end() && it->name == name ? &*it : nullptr;
}

ir::Tensor File::read(std::string_view name) const {
  const TensorInfo* info = find(name);
  if (!info) throw IoError(fmt::format("{}: no tensor named '{}'", source_, name));
  if (!is_float_dtype(info->dtype))
    throw IoError(
        fmt::format("{}: tensor '{}' has dtype {}; only F32, F64, F16 and BF16 can be "
                    "read as float",
                    source_, name, info->dtype));
  ir::Tensor t(info->shape);
  convert(*info, bytes_.data() + data_start_ + info->begin, t.data());
  return t;
}

std::map<std::string, ir::Tensor> read(const std::string& path) {
  File file = File::open(path);
  std::map<std::string, ir::Tensor> out;
  for (const auto& info : file.tensors()) out.emplace(info.name, file.read(info.name));
  return out;
}

std::vector<char> encode(const std::map<std::string, ir::Tensor>& tensors,
                         const std::map<std::string, std::string>& metadata) {
  nlohmann::json header = nlohmann::json::object();
  if (!metadata.empty()) header[std::string(kMetadataKey)] = metadata;
  uint64_t offset = 0;
  for (const auto& [name, t] : tensors) {
    if (name == kMetadataKey)
      throw std::invalid_argument(fmt::format("a tensor cannot be named '{}'", kMetadataKey));
    uint64_t bytes = static_cast<uint64_t>(t.size()) * sizeof(float);
    header[name] = {
        {"dtype", "F32"}, {"shape", t.shape().dims}, {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
  }
  std::string text = header.dump();
  // Pad with spaces so the data starts 8-byte aligned, as the reference writer does.
  text.append((8 - text.size() % 8) % 8, ' ');
  std::vector<char> out(8);
  uint64_t header_len = text.size();
  std::memcpy(out.data(), &header_len, 8);
  out.reserve(8 + text.size() + offset);
  out.insert(out.end(), text.begin(), text.end());
  for (const auto& [_, t] : tensors) {
    const char* p = reinterpret_cast<const char*>(t.raw());
    out.insert(out.end(), p, p + t.size() * static_cast<int64_t>(sizeof(float)));
  }
  return out;
}

void write(const std::string& path, const std::map<std::string, ir::Tensor>& tensors,
           const std::map<std::string, std::string>& metadata) {
  auto bytes = encode(tensors, metadata);
  write_file_atomically(path, bytes);
}

}  // namespace cnnc::safetensors
