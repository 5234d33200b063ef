// Sliding-window geometry shared by convolution, pooling and locally
// connected layers: kernel, stride, dilation and padding per spatial axis.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ir/attribute.h"
#include "ir/op_def.h"
#include "ir/shape.h"

namespace cnnc::ir {

struct Window {
  std::vector<int64_t> kernel, stride, dilation;
  std::vector<int64_t> pad_begin, pad_end;
  bool ceil_mode = false;

  size_t rank() const { return kernel.size(); }
  int64_t kernel_elements() const;
  // Output extent along `axis` for an input extent; throws OpError when the
  // (dilated) kernel is larger than the padded input.
  int64_t output_size(size_t axis, int64_t input) const;
};

// Reads kernel/stride/dilation/pad(/ceil_mode) for an input of `input`
// shape (N, C, spatial...). `pad` may be one value, one per axis, begin and
// end per axis (ONNX order: all begins, then all ends), `same` or `valid`.
// A missing `stride` defaults to `default_stride` (1, or the kernel if 0).
Window read_window(const AttrMap& attrs, const Shape& input, int64_t default_stride = 1);

// Attribute specs shared by windowed ops.
AttrSpec kernel_attr();
AttrSpec stride_attr(bool defaults_to_kernel);
AttrSpec dilation_attr();
AttrSpec pad_attr();

// Activations that conv and dense can apply to their output (`act=relu`).
AttrSpec act_attr();
AttrSpec act_alpha_attr();

// Requires rank == 2 + spatial (N, C, ...), naming the op in the message.
void require_rank(const Shape& input, size_t rank, const std::string& op, const std::string& hint = {});

}  // namespace cnnc::ir
