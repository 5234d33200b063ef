// conv1d, conv2d, conv3d: cross-correlation (as every framework computes it)
// with stride, zero padding, dilation, groups, optional bias and activation.
// Weight layout [K, C/groups, kernel...], as PyTorch.
#include <fmt/format.h>

#include "ir/op_registry.h"
#include "ir/ops/conv_grad.h"
#include "ir/ops/window.h"

namespace cnnc::ir {

namespace {

OpDef conv_def(size_t spatial) {
  std::string name = fmt::format("conv{}d", spatial);
  OpDef def;
  def.name = name;
  def.summary = fmt::format(
      "{}-D convolution (cross-correlation) with stride, padding, dilation, groups, bias and "
      "activation",
      spatial);
  def.kind = PatternKind::OutputFusable;
  def.attrs = {{.name = "filters",
                .type = AttrType::Int,
                .default_value = {},
                .doc = "output channels K",
                .check = [](const AttrValue& v) -> std::optional<std::string> {
                  if (std::get<int64_t>(v) < 1) return "must be at least 1";
                  return std::nullopt;
                }},
               kernel_attr(),
               stride_attr(false),
               pad_attr(),
               dilation_attr(),
               {.name = "groups",
                .type = AttrType::Int,
                .default_value = int64_t{1},
                .doc = "channel groups (C for depthwise)",
                .check = [](const AttrValue& v) -> std::optional<std::string> {
                  if (std::get<int64_t>(v) < 1) return "must be at least 1";
                  return std::nullopt;
                }},
               {.name = "bias",
                .type = AttrType::Bool,
                .default_value = true,
                .doc = "add a learned bias per output channel"},
               act_attr(),
               act_alpha_attr()};
  def.min_inputs = def.max_inputs = 1;
  auto check_input = [name, spatial](const OpContext& ctx) {
    const Shape& x = ctx.input(0);
    if (x.rank() != spatial + 2 && x.rank() >= 3 && x.rank() <= 5)
      throw OpError(fmt::format("{} expects a rank-{} input, got {}; for this input use conv{}d",
                                name, spatial + 2, to_string(x), x.rank() - 2),
                    "", 0);
    require_rank(x, spatial + 2, name);
    check_groups(ctx.attrs, x);
  };
  def.params = [check_input](const OpContext& ctx) {
    check_input(ctx);
    const Shape& x = ctx.input(0);
    auto w = read_window(ctx.attrs, x);
    int64_t k = ctx.attrs.get_int("filters"), cg = x[1] / ctx.attrs.get_int("groups");
    Shape ws{k, cg};
    for (auto r : w.kernel) ws.dims.push_back(r);
    int64_t fan_in = cg * w.kernel_elements();
    std::vector<ParamSpec> ps{{.suffix = "weight",
                               .shape = ws,
                               .init = ParamInit::HeNormal,
                               .fan_in = fan_in,
                               .fan_out = k * w.kernel_elements()}};
    if (ctx.attrs.get_bool("bias"))
      ps.push_back({.suffix = "bias",
                    .shape = Shape{k},
                    .init = ParamInit::Bias,
                    .fan_in = fan_in,
                    .fan_out = k});
    return ps;
  };
  def.infer = [check_input](const OpContext& ctx) {
    check_input(ctx);
    const Shape& x = ctx.input(0);
    auto w = read_window(ctx.attrs, x);
    Shape out{x[0], ctx.attrs.get_int("filters")};
    for (size_t a = 0; a < w.rank(); ++a) out.dims.push_back(w.output_size(a, x[a + 2]));
    return std::vector<Shape>{out};
  };
  def.macs = [](const OpContext& ctx, std::span<const Shape> outs) {
    const Shape& x = ctx.input(0);
    auto w = read_window(ctx.attrs, x);
    int64_t cg = x[1] / ctx.attrs.get_int("groups");
    return outs[0].elements_per_item() * cg * w.kernel_elements();
  };
  def.gradient = conv_gradient;
  return def;
}

}  // namespace

void register_conv_ops(OpRegistry& registry) {
  for (size_t spatial : {1, 2, 3}) registry.add(conv_def(spatial));
}

}  // namespace cnnc::ir
