// concat: a select over which input's range the axis index falls in. Each
// input is read at a clamped index so bounds inference never asks an input
// for more than its own extent.
#include "backends/halide/lowering_table.h"
#include "backends/halide/nchw.h"
#include "ir/ops/axis.h"

namespace cnnc::backends::halide {

namespace {

namespace hl = Halide;

hl::Func lower_concat(const ir::Node& node, std::span<const hl::Func> in, LoweringContext& ctx) {
  const size_t axis = ir::normalize_axis(node.attrs.get_int("axis"), ctx.output_shape, node.op);
  auto v = make_vars(ctx.output_shape.rank());
  std::vector<int> starts;
  int offset = 0;
  for (size_t i = 0; i < in.size(); ++i) {
    starts.push_back(offset);
    offset += to_int(ctx.input(i)[axis]);
  }
  // Built from the last input backwards: select(index < end of input i, input i, later inputs).
  hl::Expr value;
  for (size_t i = in.size(); i-- > 0;) {
    const int extent = to_int(ctx.input(i)[axis]);
    std::vector<hl::Expr> at = as_exprs(v);
    at[axis] = hl::clamp(v[axis] - starts[i], 0, extent - 1);
    hl::Expr x = read(in[i], at);
    value = i + 1 == in.size() ? x : hl::select(v[axis] < starts[i] + extent, x, value);
  }
  hl::Func out = ctx.func("concat");
  define(out, v, value);
  return out;
}

}  // namespace

void register_concat_halide(LoweringTable& table) {
  table.add("concat", lower_concat);
}

}  // namespace cnnc::backends::halide
