// NumPy .npy files (format versions 1.0, 2.0 and 3.0): the magic "\x93NUMPY",
// a version, a header length, a Python dict literal
//   {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }
// and the array's bytes in C order.
//
// Reading accepts '<f4', '<f8', '<i8', '<i4' and '|u1' (also written '<u1'),
// converting to float; any other dtype, fortran_order True, a malformed
// header or a data size that does not match the shape is an IoError naming
// the file. Writing stores '<f4', version 1.0 (2.0 when the header needs it),
// atomically (see runtime/file_io.h).
#pragma once

#include <span>
#include <string>
#include <vector>

#include "ir/tensor.h"

namespace cnnc::npy {

// Throws IoError naming the file. `dtype`, if given, receives the stored
// type as the header spells it ('<f4', '|u1', ...), for readers that give
// some types a meaning of their own (uint8 pixels are 0..255).
ir::Tensor read(const std::string& path, std::string* dtype = nullptr);
// Parses bytes already in memory; `source` names them in messages.
ir::Tensor decode(std::span<const char> bytes, const std::string& source,
                  std::string* dtype = nullptr);

std::vector<char> encode(const ir::Tensor& tensor);
void write(const std::string& path, const ir::Tensor& tensor);

}  // namespace cnnc::npy
