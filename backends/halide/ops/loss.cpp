// Losses: per-item terms over the batch, then their mean. A label that is
// not a class index makes the loss NaN (a kernel cannot throw), which the
// caller sees instead of a plausible wrong number; the reference backend
// names the item.
#include <limits>

#include "backends/halide/lowering_table.h"
#include "backends/halide/nchw.h"

namespace cnnc::backends::halide {

namespace {

namespace hl = Halide;

hl::Func mean_over(const hl::Func& term, int extent, LoweringContext& ctx, const char* name) {
  hl::RDom r(0, extent);
  hl::Func out = ctx.func(name);
  hl::Var i;
  out(i) = hl::sum(term(r)) / static_cast<float>(extent);
  return out;
}

hl::Func softmax_cross_entropy(const ir::Node&, std::span<const hl::Func> in,
                               LoweringContext& ctx) {
  const ir::Shape& logits = ctx.input(0);
  const int batch = to_int(logits[0]), classes = to_int(logits[1]);
  hl::Var n;
  hl::RDom k(0, classes);
  hl::Func max = ctx.func("max"), sum = ctx.func("sum"), term = ctx.func("term");
  max(n) = hl::maximum(read(in[0], {n, k}));
  sum(n) = hl::sum(hl::exp(read(in[0], {n, k}) - max(n)));
  hl::Expr label = read(in[1], {n});
  hl::Expr index = hl::clamp(hl::cast<int>(label), 0, classes - 1);
  hl::Expr valid =
      label >= 0.0f && label < static_cast<float>(classes) && label == hl::floor(label);
  term(n) = hl::select(valid, hl::log(sum(n)) + max(n) - read(in[0], {n, index}),
                       std::numeric_limits<float>::quiet_NaN());
  max.compute_root();
  sum.compute_root();
  term.compute_root();
  return mean_over(term, batch, ctx, "softmax_cross_entropy");
}

hl::Func mse_loss(const ir::Node&, std::span<const hl::Func> in, LoweringContext& ctx) {
  const ir::Shape& shape = ctx.input(0);
  // Rows of the last axis summed first, then their mean over the rest.
  std::vector<hl::Var> outer = make_vars(shape.rank() - 1);
  hl::RDom last(0, to_int(shape[shape.rank() - 1]));
  std::vector<hl::Expr> at = as_exprs(outer);
  at.push_back(last);
  hl::Func row = ctx.func("row");
  hl::Expr d = read(in[0], at) - read(in[1], at);
  if (outer.empty()) {
    hl::Func out = ctx.func("mse_loss");
    hl::Var i;
    out(i) = hl::sum(d * d) / static_cast<float>(shape.elements());
    return out;
  }
  define(row, outer, hl::sum(d * d));
  row.compute_root();
  int64_t rows = shape.elements() / shape[shape.rank() - 1];
  hl::Func flat = ctx.func("rows");
  hl::Var j;
  // Row j of the flattened outer axes, in the IR's row-major order.
  std::vector<hl::Expr> index;
  hl::Expr rest = j;
  for (size_t a = outer.size(); a-- > 0;) {
    index.insert(index.begin(), rest % to_int(shape[a]));
    rest = rest / to_int(shape[a]);
  }
  flat(j) = read(row, index);
  hl::Func out = mean_over(flat, to_int(rows), ctx, "mse_loss");
  // mean_over divides by the rows; the mean is over every element.
  hl::Func scaled = ctx.func("mse_mean");
  hl::Var i;
  scaled(i) = out(i) / static_cast<float>(shape[shape.rank() - 1]);
  return scaled;
}

}  // namespace

void register_loss_halide(LoweringTable& table) {
  table.add("softmax_cross_entropy", softmax_cross_entropy);
  table.add("mse_loss", mse_loss);
}

}  // namespace cnnc::backends::halide
