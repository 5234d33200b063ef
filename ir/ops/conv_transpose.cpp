// conv_transpose2d: the adjoint of conv2d with the same geometry (PyTorch's
// ConvTranspose2d), used to upsample. Weight layout [C, K/groups, R, S]: the
// conv it transposes maps K channels to C, so its weight is read the other
// way round.
#include <fmt/format.h>

#include "ir/op_registry.h"
#include "ir/ops/conv_transpose_grad.h"
#include "ir/ops/window.h"

namespace cnnc::ir {

namespace {

constexpr size_t kSpatial = 2;

struct Transposed {
  Window window;
  std::vector<int64_t> output_padding;
};

Transposed read_transposed(const OpContext& ctx) {
  const Shape& x = ctx.input(0);
  require_rank(x, kSpatial + 2, "conv_transpose2d", " (N, C, H, W)");
  check_groups(ctx.attrs, x);
  Transposed t{read_window(ctx.attrs, x), ctx.attrs.get_ints("output_padding", kSpatial)};
  for (size_t a = 0; a < kSpatial; ++a)
    if (t.output_padding[a] >= t.window.stride[a] && t.output_padding[a] >= t.window.dilation[a])
      throw OpError(
          fmt::format("output_padding {} on spatial axis {} must be smaller than the stride ({}) "
                      "or the dilation ({})",
                      t.output_padding[a], a, t.window.stride[a], t.window.dilation[a]),
          "output_padding");
  return t;
}

}  // namespace

void register_conv_transpose_ops(OpRegistry& registry) {
  OpDef def;
  def.name = "conv_transpose2d";
  def.summary = "2-D transposed convolution (the adjoint of conv2d) for learned upsampling";
  // Like conv, each output is a sum of products, so an elementwise epilogue fuses in.
  def.kind = PatternKind::OutputFusable;
  def.attrs = {
      positive_int_attr("filters", "output channels K"),
      kernel_attr(),
      stride_attr(false),
      int_pad_attr(),
      {.name = "output_padding",
       .type = AttrType::Ints,
       .default_value = int64_t{0},
       .doc = "extra rows/columns at the end of the output, smaller than stride or dilation",
       .check = check_non_negative},
      dilation_attr(),
      positive_int_attr("groups", "channel groups", 1),
      bias_attr("add a learned bias per output channel"),
      act_attr(),
      act_alpha_attr()};
  def.min_inputs = def.max_inputs = 1;
  def.params = [](const OpContext& ctx) {
    auto t = read_transposed(ctx);
    int64_t c = ctx.input(0)[1], k = ctx.attrs.get_int("filters"),
            kg = k / ctx.attrs.get_int("groups");
    int64_t taps = t.window.kernel_elements();
    Shape ws{c, kg};
    for (auto r : t.window.kernel) ws.dims.push_back(r);
    // PyTorch's fan convention for transposed weights: dim 1 is "in", dim 0 "out".
    std::vector<ParamSpec> ps{{.suffix = "weight",
                               .shape = ws,
                               .init = ParamInit::HeNormal,
                               .fan_in = kg * taps,
                               .fan_out = c * taps}};
    if (ctx.attrs.get_bool("bias"))
      ps.push_back({.suffix = "bias",
                    .shape = Shape{k},
                    .init = ParamInit::Bias,
                    .fan_in = kg * taps,
                    .fan_out = k});
    return ps;
  };
  def.infer = [](const OpContext& ctx) {
    auto t = read_transposed(ctx);
    const Shape& x = ctx.input(0);
    const Window& w = t.window;
    Shape out{x[0], ctx.attrs.get_int("filters")};
    for (size_t a = 0; a < kSpatial; ++a) {
      int64_t size = (x[a + 2] - 1) * w.stride[a] - w.pad_begin[a] - w.pad_end[a] +
                     w.dilation[a] * (w.kernel[a] - 1) + t.output_padding[a] + 1;
      if (size < 1)
        throw OpError(
            fmt::format("output size {} on spatial axis {} is not positive (input {}, kernel {}, "
                        "stride {}, padding {}+{}); reduce the padding",
                        size, a, x[a + 2], w.kernel[a], w.stride[a], w.pad_begin[a], w.pad_end[a]),
            "pad");
      out.dims.push_back(size);
    }
    return std::vector<Shape>{out};
  };
  // Every input element is scattered through K/groups filters of R*S taps
  // (taps landing in the cropped padding are counted too, as PyTorch's profiler does).
  def.macs = [](const OpContext& ctx, std::span<const Shape>) {
    auto w = read_window(ctx.attrs, ctx.input(0));
    int64_t kg = ctx.attrs.get_int("filters") / ctx.attrs.get_int("groups");
    return ctx.input(0).elements_per_item() * kg * w.kernel_elements();
  };
  def.gradient = conv_transpose_gradient;
  registry.add(std::move(def));
}

}  // namespace cnnc::ir
