// Backward ops: what gradient rules (OpDef::gradient) add to a training
// graph. Each is an ordinary op with shape inference, so passes and backends
// treat the backward pass like any other part of a graph. Opaque to the
// fuser for now; 0 MACs except the two dense products.
#include <fmt/format.h>

#include "ir/op_registry.h"
#include "ir/ops/axis.h"
#include "ir/ops/window.h"

namespace cnnc::ir {

namespace {

OpDef grad_def(std::string name, std::string summary, int inputs,
               std::function<std::vector<Shape>(const OpContext&)> infer) {
  OpDef def;
  def.name = std::move(name);
  def.summary = std::move(summary);
  def.kind = PatternKind::Opaque;
  def.min_inputs = def.max_inputs = inputs;
  def.infer = std::move(infer);
  def.macs = [](const OpContext&, std::span<const Shape>) -> int64_t { return 0; };
  return def;
}

void same_shape(const OpContext& ctx, size_t a, size_t b) {
  if (ctx.input(a) != ctx.input(b))
    throw OpError(fmt::format("input {} has shape {}, input {} {}; they must match", b,
                              to_string(ctx.input(b)), a, to_string(ctx.input(a))),
                  {}, static_cast<int>(b));
}

void rank2(const OpContext& ctx, size_t i) {
  if (ctx.input(i).rank() != 2)
    throw OpError(fmt::format("input {} must be rank 2, got {}", i, to_string(ctx.input(i))), {},
                  static_cast<int>(i));
}

}  // namespace

void register_grad_ops(OpRegistry& registry) {
  OpDef act =
      grad_def("activation_grad",
               "gradient through an activation from its output y: dx = dy * act'(y); inputs y, dy",
               2, [](const OpContext& ctx) {
                 same_shape(ctx, 0, 1);
                 return std::vector<Shape>{ctx.input(0)};
               });
  act.attrs = {act_attr(), act_alpha_attr()};
  registry.add(std::move(act));

  registry.add(grad_def("dense_grad_input", "dx = dy W for dense: inputs dy [N, U], W [U, F]", 2,
                        [](const OpContext& ctx) {
                          rank2(ctx, 0), rank2(ctx, 1);
                          if (ctx.input(0)[1] != ctx.input(1)[0])
                            throw OpError("dy's units differ from the weight's rows", {}, 1);
                          return std::vector<Shape>{Shape{ctx.input(0)[0], ctx.input(1)[1]}};
                        }));
  registry.add(grad_def("dense_grad_weight",
                        "dW = dy^T x for dense: inputs dy [N, U], x [N, F]; output [U, F]", 2,
                        [](const OpContext& ctx) {
                          rank2(ctx, 0), rank2(ctx, 1);
                          if (ctx.input(0)[0] != ctx.input(1)[0])
                            throw OpError("dy and x differ in batch size", {}, 1);
                          return std::vector<Shape>{Shape{ctx.input(0)[1], ctx.input(1)[1]}};
                        }));
  registry.add(grad_def(
      "sum_to_channels", "sums every axis but 1: [N, C, ...] -> [C] (the gradient of a bias)", 1,
      [](const OpContext& ctx) {
        if (ctx.input(0).rank() < 2)
          throw OpError(fmt::format("needs [N, C, ...], got {}", to_string(ctx.input(0))), {}, 0);
        return std::vector<Shape>{Shape{ctx.input(0)[1]}};
      }));
  registry.add(grad_def(
      "reshape_like", "the first input's data in the second input's shape (same element count)", 2,
      [](const OpContext& ctx) {
        const Shape &a = ctx.input(0), &b = ctx.input(1);
        if (a.elements_per_item() != b.elements_per_item())
          throw OpError(
              fmt::format("{} and {} differ in elements per item", to_string(a), to_string(b)), {},
              1);
        return std::vector<Shape>{b};
      }));
  registry.add(grad_def(
      "softmax_cross_entropy_grad",
      "d loss / d logits of softmax_cross_entropy: (softmax(logits) - onehot(labels)) * dloss / N; "
      "inputs logits [N, K], labels [N], dloss [1]",
      3, [](const OpContext& ctx) {
        rank2(ctx, 0);
        return std::vector<Shape>{ctx.input(0)};
      }));
  registry.add(grad_def("mse_loss_grad",
                        "d loss / d prediction of mse_loss: 2 (prediction - target) dloss / count; "
                        "inputs prediction, target, dloss [1]",
                        3, [](const OpContext& ctx) {
                          same_shape(ctx, 0, 1);
                          return std::vector<Shape>{ctx.input(0)};
                        }));

  OpDef softmax = grad_def(
      "softmax_grad",
      "dx of softmax (y (dy - sum(dy y))) or log_softmax (dy - exp(y) sum(dy)) along an axis, "
      "from the output y; inputs y, dy",
      2, [](const OpContext& ctx) {
        same_shape(ctx, 0, 1);
        normalize_axis(ctx.attrs.get_int("axis"), ctx.input(0), "softmax_grad");
        return std::vector<Shape>{ctx.input(0)};
      });
  softmax.attrs = {axis_attr(1, "the forward's axis"),
                   {.name = "log",
                    .type = AttrType::Bool,
                    .default_value = false,
                    .doc = "the forward was log_softmax"}};
  registry.add(std::move(softmax));

  OpDef slice = grad_def(
      "slice", "the entries start..start+length-1 along an axis (a concat input's gradient)", 1,
      [](const OpContext& ctx) {
        Shape out = ctx.input(0);
        const size_t axis = normalize_axis(ctx.attrs.get_int("axis"), out, "slice");
        const int64_t start = ctx.attrs.get_int("start"), length = ctx.attrs.get_int("length");
        if (out[axis] == kBatch || start < 0 || length < 1 || start + length > out[axis])
          throw OpError(fmt::format("entries {}..{} are not within axis {} of {}", start,
                                    start + length - 1, axis, to_string(out)),
                        "start");
        out[axis] = length;
        return std::vector<Shape>{out};
      });
  slice.attrs = {axis_attr(1, "the axis to slice"),
                 {.name = "start", .type = AttrType::Int, .doc = "first entry"},
                 {.name = "length", .type = AttrType::Int, .doc = "number of entries"}};
  registry.add(std::move(slice));

  registry.add(grad_def(
      "sum_to_shape",
      "sums a broadcast result back to the shape of what was broadcast (numpy rules); inputs x, "
      "like",
      2, [](const OpContext& ctx) {
        const Shape &x = ctx.input(0), &like = ctx.input(1);
        bool fits = like.rank() <= x.rank();
        for (size_t k = 0; fits && k < like.rank(); ++k) {
          const int64_t l = like[like.rank() - 1 - k], d = x[x.rank() - 1 - k];
          fits = l == d || l == 1;
        }
        if (!fits)
          throw OpError(fmt::format("{} does not broadcast to {}", to_string(like), to_string(x)),
                        {}, 1);
        return std::vector<Shape>{like};
      }));
}

}  // namespace cnnc::ir
