// Sliding-window geometry shared by convolution, pooling and locally
// connected layers: kernel, stride, dilation and padding per spatial axis.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
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

// Attribute checks shared by op families: integers (or every list item) at
// least 1, or not negative. They return the explanation for AttrError.
std::optional<std::string> check_all_positive(const AttrValue& v);
std::optional<std::string> check_non_negative(const AttrValue& v);

// Attribute specs shared by windowed ops.
AttrSpec kernel_attr();
AttrSpec stride_attr(bool defaults_to_kernel);
AttrSpec dilation_attr();
AttrSpec pad_attr();
// Zero padding given as integers only (no `same`/`valid`), for ops whose
// output size is not defined by the input alone (transposed, local).
AttrSpec int_pad_attr();
// An integer of at least 1 (filters=, units=, groups=); required without a default.
AttrSpec positive_int_attr(std::string name, std::string doc,
                           std::optional<int64_t> default_value = {});
// bias=true|false: whether the layer owns a learned bias.
AttrSpec bias_attr(std::string doc);

// Activations that conv and dense can apply to their output (`act=relu`).
AttrSpec act_attr();
AttrSpec act_alpha_attr();

// `groups` divides both the input channels (dim 1 of `input`) and `filters`;
// an OpError on the `groups` attribute otherwise.
void check_groups(const AttrMap& attrs, const Shape& input);

// Requires rank == 2 + spatial (N, C, ...), naming the op in the message.
void require_rank(const Shape& input, size_t rank, const std::string& op,
                  const std::string& hint = {});

// A window widened to three spatial axes, so one set of loops (a reference
// kernel's, a Vulkan shader's) serves the 1-D, 2-D and 3-D forms of a
// windowed op: the spatial axes are right-aligned (a 1-D op runs along the
// last axis) and a missing axis has extent 1, kernel 1, stride 1,
// dilation 1 and no padding, which leaves results unchanged.
struct Window3 {
  using Dims = std::array<int64_t, 3>;
  Dims in{1, 1, 1}, out{1, 1, 1}, kernel{1, 1, 1}, stride{1, 1, 1}, dilation{1, 1, 1};
  Dims pad_begin{0, 0, 0}, pad_end{0, 0, 0};

  static int64_t product(const Dims& d) { return d[0] * d[1] * d[2]; }
  int64_t in_size() const { return product(in); }
  int64_t out_size() const { return product(out); }
  int64_t kernel_size() const { return product(kernel); }
};

// `in` and `out` are (N, C, spatial...) shapes with 1 to 3 spatial axes;
// throws std::invalid_argument for others.
Window3 widen_to_3d(const Window& w, const Shape& in, const Shape& out);

}  // namespace cnnc::ir
