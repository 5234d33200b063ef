// global_avgpool, global_maxpool: reduce every spatial axis to 1, keeping the
// rank ([N, C, H, W] -> [N, C, 1, 1]) as PyTorch's AdaptiveAvgPool2d(1) does,
// so a following `flatten` or 1x1 conv sees the usual shape.
#include <fmt/format.h>

#include "ir/op_registry.h"
#include "ir/ops/pool_grad.h"

namespace cnnc::ir {

namespace {

OpDef global_pool_def(const std::string& name, const std::string& summary) {
  OpDef def;
  def.name = name;
  def.summary = summary;
  def.kind = PatternKind::Reduction;
  def.min_inputs = def.max_inputs = 1;
  def.params = [](const OpContext&) { return std::vector<ParamSpec>{}; };
  def.infer = [name](const OpContext& ctx) {
    const Shape& x = ctx.input(0);
    if (x.rank() < 3)
      throw OpError(fmt::format("{} expects (N, C) and at least one spatial dimension, got {}",
                                name, to_string(x)),
                    "", 0);
    Shape out = x;
    for (size_t a = 2; a < out.rank(); ++a) out[a] = 1;
    return std::vector<Shape>{out};
  };
  // Additions and comparisons only: no multiply-accumulates.
  def.macs = [](const OpContext&, std::span<const Shape>) { return int64_t{0}; };
  def.gradient = global_pool_gradient;
  return def;
}

}  // namespace

void register_global_pool_ops(OpRegistry& registry) {
  registry.add(
      global_pool_def("global_avgpool", "average over all spatial positions of each channel"));
  registry.add(
      global_pool_def("global_maxpool", "maximum over all spatial positions of each channel"));
}

}  // namespace cnnc::ir
