// local2d: a locally connected layer, a convolution whose weights are not
// shared between output positions (DeepFace, the course notes' "locally
// connected layers"). Weight [OH, OW, K, C, R, S], bias [K, OH, OW]: both
// depend on the output size, so the parameters follow from shape inference.
#include <fmt/format.h>

#include "ir/op_registry.h"
#include "ir/ops/local_grad.h"
#include "ir/ops/window.h"

namespace cnnc::ir {

namespace {

constexpr size_t kSpatial = 2;

// The window and output extents (OH, OW) for the layer's input.
std::pair<Window, std::vector<int64_t>> local_geometry(const OpContext& ctx) {
  const Shape& x = ctx.input(0);
  require_rank(x, kSpatial + 2, "local2d", " (N, C, H, W)");
  auto w = read_window(ctx.attrs, x);
  std::vector<int64_t> out;
  for (size_t a = 0; a < kSpatial; ++a) out.push_back(w.output_size(a, x[a + 2]));
  return {w, out};
}

}  // namespace

void register_local_ops(OpRegistry& registry) {
  OpDef def;
  def.name = "local2d";
  def.summary =
      "2-D locally connected layer: a convolution with separate weights at every output position";
  // Each output is a sum of products, as in conv: an elementwise epilogue fuses in.
  def.kind = PatternKind::OutputFusable;
  def.attrs = {positive_int_attr("filters", "output channels K"),
               kernel_attr(),
               stride_attr(false),
               int_pad_attr(),
               bias_attr("add a learned bias per output channel and position"),
               act_attr(),
               act_alpha_attr()};
  def.min_inputs = def.max_inputs = 1;
  def.params = [](const OpContext& ctx) {
    auto [w, out] = local_geometry(ctx);
    int64_t c = ctx.input(0)[1], k = ctx.attrs.get_int("filters");
    int64_t taps = w.kernel_elements();
    std::vector<ParamSpec> ps{{.suffix = "weight",
                               .shape = Shape{out[0], out[1], k, c, w.kernel[0], w.kernel[1]},
                               .init = ParamInit::HeNormal,
                               .fan_in = c * taps,
                               .fan_out = k * taps}};
    if (ctx.attrs.get_bool("bias"))
      ps.push_back({.suffix = "bias",
                    .shape = Shape{k, out[0], out[1]},
                    .init = ParamInit::Bias,
                    .fan_in = c * taps,
                    .fan_out = k});
    return ps;
  };
  def.infer = [](const OpContext& ctx) {
    auto [w, out] = local_geometry(ctx);
    const Shape& x = ctx.input(0);
    return std::vector<Shape>{Shape{x[0], ctx.attrs.get_int("filters"), out[0], out[1]}};
  };
  def.macs = [](const OpContext& ctx, std::span<const Shape> outs) {
    auto w = read_window(ctx.attrs, ctx.input(0));
    return outs[0].elements_per_item() * ctx.input(0)[1] * w.kernel_elements();
  };
  def.gradient = local_gradient;
  registry.add(std::move(def));
}

}  // namespace cnnc::ir
