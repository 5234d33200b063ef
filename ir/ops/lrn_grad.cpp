// lrn_grad: the gradient of local response normalization. With
// s_c = k + alpha / size * sum_{c' in window(c)} x_c'^2 and y_c = x_c s_c^-beta,
//   dx_j = dy_j s_j^-beta - 2 alpha beta / size * x_j * sum_{c : j in window(c)} dy_c x_c
//   s_c^(-beta-1)
// recomputed from x (the kernel forms s again rather than reading y).
#include "ir/ops/lrn_grad.h"

#include <fmt/format.h>

#include "ir/op_registry.h"
#include "ir/ops/window.h"

namespace cnnc::ir {

namespace {

const char* const kLrnAttrs[] = {"size", "alpha", "beta", "k"};

}  // namespace

std::vector<std::optional<TensorRef>> lrn_gradient(GradientContext& ctx) {
  const AttrMap forward = ctx.forward().attrs;  // add() may move the node
  AttrMap attrs;
  for (const char* name : kLrnAttrs)
    if (forward.has(name)) attrs.set(name, forward.get(name));
  if (!ctx.needs(0)) return {std::nullopt};
  return {ctx.add("lrn_grad", "input", {ctx.inputs[0], ctx.output_grad}, std::move(attrs))};
}

void register_lrn_grad_ops(OpRegistry& registry) {
  OpDef def;
  def.name = "lrn_grad";
  def.summary = "dx of lrn, recomputing the channel sums from x; inputs x, dy";
  def.kind = PatternKind::Opaque;
  // lrn's attributes, as the forward had them.
  def.attrs = {positive_int_attr("size", "the forward's window of channels", 5),
               {.name = "alpha", .type = AttrType::Float, .default_value = 1e-4, .doc = "as lrn's"},
               {.name = "beta", .type = AttrType::Float, .default_value = 0.75, .doc = "as lrn's"},
               {.name = "k", .type = AttrType::Float, .default_value = 1.0, .doc = "as lrn's"}};
  def.min_inputs = def.max_inputs = 2;
  def.infer = [](const OpContext& ctx) {
    const Shape &x = ctx.input(0), &dy = ctx.input(1);
    if (x.rank() < 2)
      throw OpError(fmt::format("x must have a channel axis (N, C, ...), got {}", to_string(x)), {},
                    0);
    if (dy != x)
      throw OpError(fmt::format("dy {} differs from x {}", to_string(dy), to_string(x)), {}, 1);
    return std::vector<Shape>{x};
  };
  def.macs = [](const OpContext& ctx, std::span<const Shape> outs) {
    return 2 * outs[0].elements_per_item() * ctx.attrs.get_int("size");
  };
  registry.add(std::move(def));
}

}  // namespace cnnc::ir
