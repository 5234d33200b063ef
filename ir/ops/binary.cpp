// add and mul: elementwise over two or more inputs with numpy-style
// broadcasting (shapes aligned at the right; a dim of 1 stretches), so a
// squeeze-and-excitation scale [N, C, 1, 1] multiplies [N, C, H, W]. MACs:
// one per output element for each operand after the first.
#include <fmt/format.h>

#include <stdexcept>

#include "ir/gradient.h"
#include "ir/op_registry.h"

namespace cnnc::ir {

namespace {

std::string dim_text(int64_t d) {
  return d == kBatch ? "N" : std::to_string(d);
}

Shape broadcast_all(const std::string& op, std::span<const Shape> ins) {
  Shape out = ins[0];
  for (size_t i = 1; i < ins.size(); ++i) {
    const Shape& s = ins[i];
    size_t rank = std::max(out.rank(), s.rank());
    Shape next(std::vector<int64_t>(rank, 1));
    for (size_t k = 0; k < rank; ++k) {
      // Dims counted from the right; a missing dim behaves as 1.
      int64_t a = k < out.rank() ? out[out.rank() - 1 - k] : 1;
      int64_t b = k < s.rank() ? s[s.rank() - 1 - k] : 1;
      int64_t r;
      if (a == b || b == 1)
        r = a;
      else if (a == 1)
        r = b;
      else
        throw OpError(
            fmt::format("{} input {} has shape {}, which does not broadcast with {} ({}): "
                        "dims {} and {} differ and neither is 1",
                        op, i, to_string(s), to_string(out),
                        i == 1 ? "input 0" : fmt::format("inputs 0..{} broadcast", i - 1),
                        dim_text(b), dim_text(a)),
            "", static_cast<int>(i));
      next[rank - 1 - k] = r;
    }
    out = std::move(next);
  }
  return out;
}

OpDef binary_def(std::string name, std::string summary) {
  OpDef def;
  def.name = name;
  def.summary = std::move(summary);
  def.kind = PatternKind::Broadcast;
  def.min_inputs = 2;
  def.max_inputs = -1;
  def.infer = [name](const OpContext& ctx) {
    return std::vector<Shape>{broadcast_all(name, ctx.data_inputs())};
  };
  def.macs = [](const OpContext& ctx, std::span<const Shape> outs) {
    return outs[0].elements_per_item() * static_cast<int64_t>(ctx.num_data_inputs - 1);
  };
  return def;
}

// `grad` (the output's shape) summed down to input i's shape.
TensorRef unbroadcast(GradientContext& ctx, TensorRef grad, size_t i) {
  if (ctx.graph.shape_of(ctx.inputs[i]) == ctx.graph.shape_of(grad)) return grad;
  return ctx.add("sum_to_shape", fmt::format("input{}", i), {grad, ctx.inputs[i]});
}

}  // namespace

void register_binary_ops(OpRegistry& registry) {
  OpDef add =
      binary_def("add", "elementwise sum of two or more inputs, with numpy-style broadcasting");
  // Each input gets the output's gradient, summed over the dims it was
  // broadcast along.
  add.gradient = [](GradientContext& ctx) {
    std::vector<std::optional<TensorRef>> grads;
    for (size_t i = 0; i < ctx.inputs.size(); ++i)
      grads.push_back(ctx.needs(i) ? std::optional(unbroadcast(ctx, ctx.output_grad, i))
                                   : std::nullopt);
    return grads;
  };
  registry.add(std::move(add));
  OpDef mul =
      binary_def("mul", "elementwise product of two or more inputs, with numpy-style broadcasting");
  // d input_i = dy times every other input, summed over input i's broadcast dims.
  mul.gradient = [](GradientContext& ctx) {
    std::vector<std::optional<TensorRef>> grads;
    for (size_t i = 0; i < ctx.inputs.size(); ++i) {
      if (!ctx.needs(i)) {
        grads.push_back(std::nullopt);
        continue;
      }
      std::vector<TensorRef> factors{ctx.output_grad};
      for (size_t j = 0; j < ctx.inputs.size(); ++j)
        if (j != i) factors.push_back(ctx.inputs[j]);
      grads.push_back(unbroadcast(ctx, ctx.add("mul", fmt::format("product{}", i), factors), i));
    }
    return grads;
  };
  registry.add(std::move(mul));
}

}  // namespace cnnc::ir
