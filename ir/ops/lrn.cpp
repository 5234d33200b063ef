// lrn: local response normalization across channels, as PyTorch's
// nn.LocalResponseNorm (AlexNet's "response normalization"):
//   b_c = a_c / (k + alpha / size * sum_{c' in window(c)} a_c'^2) ^ beta
// with the window running from c - size/2 to c + (size-1)/2, clipped to the
// channels. Note alpha is divided by size, as in PyTorch and Caffe but not in
// the AlexNet paper's formula.
#include <fmt/format.h>

#include "ir/op_registry.h"
#include "ir/ops/lrn_grad.h"
#include "ir/ops/window.h"

namespace cnnc::ir {

void register_lrn_ops(OpRegistry& registry) {
  OpDef def;
  def.name = "lrn";
  def.summary =
      "local response normalization across neighbouring channels (PyTorch LocalResponseNorm)";
  // Each output reads a window along the channel axis: a reduction.
  def.kind = PatternKind::Reduction;
  def.attrs = {positive_int_attr("size", "number of neighbouring channels summed", 5),
               {.name = "alpha",
                .type = AttrType::Float,
                .default_value = 1e-4,
                .doc = "scale of the sum of squares (divided by size)"},
               {.name = "beta", .type = AttrType::Float, .default_value = 0.75, .doc = "exponent"},
               {.name = "k",
                .type = AttrType::Float,
                .default_value = 1.0,
                .doc = "additive constant (AlexNet uses 2)"}};
  def.min_inputs = def.max_inputs = 1;
  def.params = [](const OpContext&) { return std::vector<ParamSpec>{}; };
  def.infer = [](const OpContext& ctx) {
    const Shape& x = ctx.input(0);
    if (x.rank() < 2)
      throw OpError(fmt::format("lrn expects a channel axis (N, C, ...), got {}", to_string(x)), "",
                    0);
    return std::vector<Shape>{x};
  };
  // The sum of squares: one multiply-accumulate per channel in the window.
  def.macs = [](const OpContext& ctx, std::span<const Shape> outs) {
    return outs[0].elements_per_item() * ctx.attrs.get_int("size");
  };
  def.gradient = lrn_gradient;
  registry.add(std::move(def));
}

}  // namespace cnnc::ir
