#include "ir/ops/window.h"

#include <fmt/format.h>

namespace cnnc::ir {

std::optional<std::string> check_all_positive(const AttrValue& v) {
  if (auto* i = std::get_if<int64_t>(&v))
    return *i > 0 ? std::nullopt
                  : std::optional<std::string>("must be at least 1, got " + std::to_string(*i));
  if (auto* l = std::get_if<std::vector<int64_t>>(&v))
    for (auto x : *l)
      if (x < 1) return "every value must be at least 1, got " + format_attr_value(v);
  return std::nullopt;
}
std::optional<std::string> check_non_negative(const AttrValue& v) {
  if (auto* i = std::get_if<int64_t>(&v))
    return *i >= 0 ? std::nullopt
                   : std::optional<std::string>("must not be negative, got " + std::to_string(*i));
  if (auto* l = std::get_if<std::vector<int64_t>>(&v))
    for (auto x : *l)
      if (x < 0) return "values must not be negative, got " + format_attr_value(v);
  return std::nullopt;
}

int64_t Window::kernel_elements() const {
  int64_t n = 1;
  for (auto k : kernel) n *= k;
  return n;
}

int64_t Window::output_size(size_t axis, int64_t input) const {
  int64_t padded = input + pad_begin[axis] + pad_end[axis];
  int64_t extent = dilation[axis] * (kernel[axis] - 1) + 1;
  if (extent > padded)
    throw OpError(
        fmt::format(
            "kernel extent {} is larger than the padded input {} (input {} + padding {}+{}) "
            "on spatial axis {}; use a smaller kernel or more padding",
            extent, padded, input, pad_begin[axis], pad_end[axis], axis),
        "kernel");
  int64_t span = padded - extent;
  int64_t out = (ceil_mode ? (span + stride[axis] - 1) / stride[axis] : span / stride[axis]) + 1;
  // As in PyTorch: with ceil mode the last window must start inside the input or left padding.
  if (ceil_mode && (out - 1) * stride[axis] >= input + pad_begin[axis]) --out;
  return out;
}

Window read_window(const AttrMap& attrs, const Shape& input, int64_t default_stride) {
  size_t rank = input.rank() - 2;
  Window w;
  w.kernel = attrs.get_ints("kernel", rank);
  if (attrs.has("stride"))
    w.stride = attrs.get_ints("stride", rank);
  else
    w.stride = default_stride == 0 ? w.kernel : std::vector<int64_t>(rank, default_stride);
  w.dilation =
      attrs.has("dilation") ? attrs.get_ints("dilation", rank) : std::vector<int64_t>(rank, 1);
  w.ceil_mode = attrs.has("ceil_mode") && attrs.get_bool("ceil_mode");
  w.pad_begin.assign(rank, 0);
  w.pad_end.assign(rank, 0);
  if (!attrs.has("pad")) return w;
  if (attrs.is_ident("pad")) {
    if (attrs.get_ident("pad") == "same") {
      // TensorFlow's SAME: output = ceil(input / stride), extra padding at the end.
      for (size_t a = 0; a < rank; ++a) {
        int64_t in = input[a + 2];
        int64_t out = (in + w.stride[a] - 1) / w.stride[a];
        int64_t extent = w.dilation[a] * (w.kernel[a] - 1) + 1;
        int64_t total = std::max<int64_t>(0, (out - 1) * w.stride[a] + extent - in);
        w.pad_begin[a] = total / 2;
        w.pad_end[a] = total - total / 2;
      }
    }
    return w;
  }
  auto pads = attrs.get_ints("pad");
  if (pads.size() == 1) pads.assign(rank, pads[0]);
  if (pads.size() == rank) {
    w.pad_begin = w.pad_end = pads;
  } else if (pads.size() == 2 * rank) {
    w.pad_begin.assign(pads.begin(), pads.begin() + static_cast<long>(rank));
    w.pad_end.assign(pads.begin() + static_cast<long>(rank), pads.end());
  } else {
    throw OpError(
        fmt::format("pad needs 1, {} or {} values (begin and end per axis) for {} spatial "
                    "dimension(s), got {}",
                    rank, 2 * rank, rank, pads.size()),
        "pad");
  }
  return w;
}

AttrSpec kernel_attr() {
  return {.name = "kernel",
          .type = AttrType::Ints,
          .default_value = {},
          .doc = "window size, one value or one per spatial axis",
          .check = check_all_positive};
}
AttrSpec stride_attr(bool defaults_to_kernel) {
  AttrSpec s{.name = "stride",
             .type = AttrType::Ints,
             .default_value = {},
             .doc = defaults_to_kernel ? "step between windows (default: the kernel size)"
                                       : "step between windows",
             .check = check_all_positive};
  if (defaults_to_kernel)
    s.optional = true;
  else
    s.default_value = int64_t{1};
  return s;
}
AttrSpec dilation_attr() {
  return {.name = "dilation",
          .type = AttrType::Ints,
          .default_value = int64_t{1},
          .doc = "spacing between kernel taps",
          .check = check_all_positive};
}
AttrSpec pad_attr() {
  return {.name = "pad",
          .type = AttrType::IntsOrIdent,
          .default_value = int64_t{0},
          .doc = "zero padding: one value, one per axis, begin+end per axis, `same` or `valid`",
          .choices = {"same", "valid"},
          .check = check_non_negative};
}
AttrSpec int_pad_attr() {
  return {.name = "pad",
          .type = AttrType::Ints,
          .default_value = int64_t{0},
          .doc = "zero padding: one value, one per axis, or begin+end per axis",
          .check = check_non_negative};
}
AttrSpec positive_int_attr(std::string name, std::string doc,
                           std::optional<int64_t> default_value) {
  AttrSpec s{.name = std::move(name),
             .type = AttrType::Int,
             .default_value = {},
             .doc = std::move(doc),
             .check = check_all_positive};
  if (default_value) s.default_value = *default_value;
  return s;
}
AttrSpec bias_attr(std::string doc) {
  return {.name = "bias", .type = AttrType::Bool, .default_value = true, .doc = std::move(doc)};
}
AttrSpec act_attr() {
  return {.name = "act",
          .type = AttrType::Ident,
          .default_value = std::string("none"),
          .doc = "activation applied to the output",
          .choices = {"none", "relu", "relu6", "leaky_relu", "tanh", "sigmoid", "elu"}};
}
AttrSpec act_alpha_attr() {
  return {
      .name = "act_alpha",
      .type = AttrType::Float,
      .default_value = 0.0,
      .doc =
          "slope of leaky_relu / scale of elu for `act` (0: the activation's default, 0.01 / 1.0)"};
}

void check_groups(const AttrMap& attrs, const Shape& input) {
  int64_t c = input[1], groups = attrs.get_int("groups"), k = attrs.get_int("filters");
  if (c % groups != 0)
    throw OpError(fmt::format("groups={} does not divide the {} input channels", groups, c),
                  "groups");
  if (k % groups != 0)
    throw OpError(fmt::format("groups={} does not divide filters={}", groups, k), "groups");
}

void require_rank(const Shape& input, size_t rank, const std::string& op, const std::string& hint) {
  if (input.rank() != rank)
    throw OpError(
        fmt::format("{} expects a rank-{} input, got {}{}", op, rank, to_string(input), hint), "",
        0);
}

Window3 widen_to_3d(const Window& w, const Shape& in, const Shape& out) {
  const size_t rank = in.rank() >= 2 ? in.rank() - 2 : 0;
  if (rank < 1 || rank > 3 || out.rank() != in.rank() || w.rank() != rank)
    throw std::invalid_argument("a window over " + std::to_string(w.rank()) +
                                " spatial axes given shapes " + to_string(in) + " -> " +
                                to_string(out));
  Window3 g;
  const size_t off = 3 - rank;
  for (size_t a = 0; a < rank; ++a) {
    g.in[off + a] = in[a + 2];
    g.out[off + a] = out[a + 2];
    g.kernel[off + a] = w.kernel[a];
    g.stride[off + a] = w.stride[a];
    g.dilation[off + a] = w.dilation[a];
    g.pad_begin[off + a] = w.pad_begin[a];
    g.pad_end[off + a] = w.pad_end[a];
  }
  return g;
}

}  // namespace cnnc::ir
