// dropout: the identity at inference. The training form (random masks) is
// not lowered yet: training runs on the reference backend.
#include "backends/halide/lowering_table.h"
#include "backends/halide/nchw.h"

namespace cnnc::backends::halide {

void register_dropout_halide(LoweringTable& table) {
  table.add("dropout", [](const ir::Node& node, std::span<const Halide::Func> in,
                          LoweringContext& ctx) {
    if (node.attrs.has("training") && node.attrs.get_bool("training"))
      throw std::runtime_error("layer '" + node.name +
                               "': dropout in training mode has no Halide lowering yet; train on "
                               "the reference backend");
    auto v = make_vars(ctx.output_shape.rank());
    Halide::Func out = ctx.func("dropout");
    define(out, v, read(in[0], as_exprs(v)));
    return out;
  });
}

}  // namespace cnnc::backends::halide
