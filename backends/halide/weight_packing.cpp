#include "backends/halide/weight_packing.h"

#include <stdexcept>

namespace cnnc::backends::halide {

ir::Shape blocked_shape(const ir::Shape& shape, int block) {
  ir::Shape packed;
  packed.dims.push_back((shape[0] + block - 1) / block);
  for (size_t d = 1; d < shape.rank(); ++d) packed.dims.push_back(shape[d]);
  packed.dims.push_back(block);
  return packed;
}

ir::Tensor block_output_channels(const ir::Tensor& weight, int block) {
  const ir::Shape& s = weight.shape();
  if (s.rank() == 0 || block < 1) throw std::invalid_argument("block_output_channels: bad input");
  const int64_t k = s[0];
  const int64_t inner = s.rank() == 1 ? 1 : weight.size() / k;
  ir::Tensor out(blocked_shape(s, block));  // zero-filled
  for (int64_t o = 0; o < k; ++o)
    for (int64_t i = 0; i < inner; ++i)
      out[((o / block) * inner + i) * block + o % block] = weight[o * inner + i];
  return out;
}

}  // namespace cnnc::backends::halide
