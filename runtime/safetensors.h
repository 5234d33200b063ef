// safetensors files (https://github.com/huggingface/safetensors): an 8-byte
// little-endian header length, a JSON header
//   {"NAME": {"dtype": "F32", "shape": [..], "data_offsets": [BEGIN, END]}, ...,
//    "__metadata__": {"key": "value", ...}}
// and the tensors' bytes, offsets relative to the end of the header.
//
// Reading validates everything before any tensor is used: the header length,
// the JSON, each entry's fields, that each tensor's bytes lie in the file and
// match its shape and dtype, and that tensors neither overlap nor leave gaps
// (as the reference implementation requires). Every failure is an IoError
// naming the file and, where there is one, the tensor.
//
// F32 is read as is; F64, F16 and BF16 are converted to float. Other dtypes
// (integers, BOOL, F8) are listed by a read but converting them is an error.
// Writing stores F32 and is atomic (see runtime/file_io.h).
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ir/shape.h"
#include "ir/tensor.h"

namespace cnnc::safetensors {

struct TensorInfo {
  std::string name;
  std::string dtype;  // as in the file: "F32", "BF16", "I64", ...
  ir::Shape shape;
  uint64_t begin = 0;  // byte offsets into the data section
  uint64_t end = 0;
};

// Whether `dtype` can be read as float (F32, F64, F16, BF16).
bool is_float_dtype(std::string_view dtype);

// A parsed, validated file held in memory.
class File {
 public:
  // Reads and validates `path`; throws IoError.
  static File open(const std::string& path);
  // Validates bytes already in memory; `source` names them in messages.
  static File parse(std::vector<char> bytes, std::string source);

  const std::string& source() const { return source_; }
  // Sorted by name.
  const std::vector<TensorInfo>& tensors() const { return tensors_; }
  const TensorInfo* find(std::string_view name) const;
  const std::map<std::string, std::string>& metadata() const { return metadata_; }
  // The tensor converted to float; throws IoError for a missing name or a
  // dtype that is not a float dtype.
  ir::Tensor read(std::string_view name) const;

 private:
  std::string source_;
  std::vector<char> bytes_;
  size_t data_start_ = 0;
  std::vector<TensorInfo> tensors_;
  std::map<std::string, std::string> metadata_;
};

// Every tensor of the file, converted to float.
std::map<std::string, ir::Tensor> read(const std::string& path);

// The file's bytes: F32 tensors in name order, header padded to 8 bytes.
std::vector<char> encode(const std::map<std::string, ir::Tensor>& tensors,
                         const std::map<std::string, std::string>& metadata = {});
// Writes `path` atomically; throws IoError.
void write(const std::string& path, const std::map<std::string, ir::Tensor>& tensors,
           const std::map<std::string, std::string>& metadata = {});

}  // namespace cnnc::safetensors
