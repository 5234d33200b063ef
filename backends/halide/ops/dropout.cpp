// dropout: the identity at inference.
#include "backends/halide/lowering_table.h"
#include "backends/halide/nchw.h"

namespace cnnc::backends::halide {

void register_dropout_halide(LoweringTable& table) {
  table.add("dropout", [](const ir::Node&, std::span<const Halide::Func> in, LoweringContext& ctx) {
    auto v = make_vars(ctx.output_shape.rank());
    Halide::Func out = ctx.func("dropout");
    define(out, v, read(in[0], as_exprs(v)));
    return out;
  });
}

}  // namespace cnnc::backends::halide
