// reshape: the input read at the same row-major position.
#include "backends/halide/lowering_table.h"
#include "backends/halide/nchw.h"

namespace cnnc::backends::halide {

void register_reshape_halide(LoweringTable& table) {
  table.add("reshape", [](const ir::Node&, std::span<const Halide::Func> in, LoweringContext& ctx) {
    auto v = make_vars(ctx.output_shape.rank());
    Halide::Func out = ctx.func("reshape");
    define(out, v, read_row_major(in[0], ctx.input(0), ctx.output_shape, as_exprs(v)));
    return out;
  });
}

}  // namespace cnnc::backends::halide
