// maxpool, avgpool, l2pool over 1, 2 or 3 spatial axes (the input's rank
// decides), with PyTorch's semantics: stride defaults to the kernel, padding
// at most half the kernel, ceil_mode keeps a last partial window only if it
// starts inside the input or its left padding. Max pooling treats padding as
// -inf, L2 pooling as zeros; average pooling's divisor follows
// count_include_pad (default false here, unlike PyTorch: padding then never
// dilutes border averages).
#include <fmt/format.h>

#include "ir/op_registry.h"
#include "ir/ops/pool_grad.h"
#include "ir/ops/window.h"

namespace cnnc::ir {

namespace {

Window pool_window(const std::string& op, const OpContext& ctx) {
  const Shape& x = ctx.input(0);
  if (x.rank() < 3 || x.rank() > 5)
    throw OpError(
        fmt::format("{} expects (N, C) and 1 to 3 spatial dimensions, got {}", op, to_string(x)),
        "", 0);
  auto w = read_window(ctx.attrs, x, /*default_stride=*/0);
  for (size_t a = 0; a < w.rank(); ++a)
    if (std::max(w.pad_begin[a], w.pad_end[a]) > w.kernel[a] / 2)
      throw OpError(
          fmt::format(
              "padding {}+{} on spatial axis {} is more than half the kernel ({}); a window "
              "could then lie entirely in the padding",
              w.pad_begin[a], w.pad_end[a], a, w.kernel[a]),
          "pad");
  return w;
}

OpDef pool_def(const std::string& name, const std::string& summary, int64_t macs_per_tap) {
  OpDef def;
  def.name = name;
  def.summary = summary;
  // A reduction over a window: it can consume a fused producer but ends a fused group.
  def.kind = PatternKind::Reduction;
  def.attrs = {kernel_attr(),
               stride_attr(/*defaults_to_kernel=*/true),
               pad_attr(),
               {.name = "ceil_mode",
                .type = AttrType::Bool,
                .default_value = false,
                .doc = "round the output size up, keeping a last partial window"}};
  def.min_inputs = def.max_inputs = 1;
  def.params = [](const OpContext&) { return std::vector<ParamSpec>{}; };
  def.infer = [name](const OpContext& ctx) {
    const Shape& x = ctx.input(0);
    auto w = pool_window(name, ctx);
    Shape out{x[0], x[1]};
    for (size_t a = 0; a < w.rank(); ++a) out.dims.push_back(w.output_size(a, x[a + 2]));
    return std::vector<Shape>{out};
  };
  // Comparisons and additions are not multiply-accumulates: max and average
  // pooling count 0; L2 pooling squares and accumulates every tap.
  def.macs = [name, macs_per_tap](const OpContext& ctx, std::span<const Shape> outs) {
    if (macs_per_tap == 0) return int64_t{0};
    return outs[0].elements_per_item() * pool_window(name, ctx).kernel_elements() * macs_per_tap;
  };
  def.gradient = pool_gradient;
  return def;
}

}  // namespace

void register_pool_ops(OpRegistry& registry) {
  auto max =
      pool_def("maxpool", "max pooling over 1-D, 2-D or 3-D windows (padding counts as -inf)", 0);
  max.attrs.push_back(dilation_attr());
  registry.add(std::move(max));

  auto avg = pool_def("avgpool", "average pooling over 1-D, 2-D or 3-D windows", 0);
  avg.attrs.push_back(
      {.name = "count_include_pad",
       .type = AttrType::Bool,
       .default_value = false,
       .doc = "divide by the window size including zero padding (never beyond it)"});
  registry.add(std::move(avg));

  registry.add(
      pool_def("l2pool", "L2 pooling: the square root of the sum of squares over each window", 1));
}

}  // namespace cnnc::ir
