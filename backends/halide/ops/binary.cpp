// add, mul with numpy-style broadcasting: an input's dim of 1 (or a dim it
// lacks, counting from the right) is read at index 0.
#include "backends/halide/lowering_table.h"
#include "backends/halide/nchw.h"

namespace cnnc::backends::halide {

namespace {

namespace hl = Halide;

Lowering binary(bool add) {
  return [add](const ir::Node& node, std::span<const hl::Func> in, LoweringContext& ctx) {
    const ir::Shape& ys = ctx.output_shape;
    auto v = make_vars(ys.rank());
    hl::Expr acc;
    for (size_t i = 0; i < in.size(); ++i) {
      const ir::Shape& xs = ctx.input(i);
      const size_t skip = ys.rank() - xs.rank();
      std::vector<hl::Expr> at;
      for (size_t d = 0; d < xs.rank(); ++d)
        at.push_back(xs[d] == 1 && ys[skip + d] != 1 ? hl::Expr(0) : hl::Expr(v[skip + d]));
      hl::Expr x = read(in[i], at);
      acc = i == 0 ? x : add ? acc + x : acc * x;
    }
    hl::Func out = ctx.func(node.op);
    define(out, v, acc);
    return out;
  };
}

}  // namespace

void register_binary_halide(LoweringTable& table) {
  table.add("add", binary(true));
  table.add("mul", binary(false));
}

}  // namespace cnnc::backends::halide
