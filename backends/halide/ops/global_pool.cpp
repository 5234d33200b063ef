// global_avgpool, global_maxpool: one reduction over every spatial position
// per (batch item, channel); the output keeps size-1 spatial dims.
#include "backends/halide/lowering_table.h"
#include "backends/halide/nchw.h"

namespace cnnc::backends::halide {

namespace {

namespace hl = Halide;

Lowering global_pool(bool max) {
  return [max](const ir::Node& node, std::span<const hl::Func> in, LoweringContext& ctx) {
    const ir::Shape& xs = ctx.input(0);
    auto v = make_vars(xs.rank());
    hl::Region plane;
    int64_t count = 1;
    for (size_t d = 2; d < xs.rank(); ++d) {
      plane.push_back({0, to_int(xs[d])});
      count *= xs[d];
    }
    hl::RDom r(plane);
    std::vector<hl::Expr> xi{v[0], v[1]};
    for (size_t d = 2; d < xs.rank(); ++d) xi.push_back(r[static_cast<int>(d - 2)]);
    hl::Expr tap = read(in[0], xi);
    hl::Func out = ctx.func(node.op);
    define(out, v,
           max ? hl::maximum(tap) : hl::sum(tap) / static_cast<float>(std::max<int64_t>(count, 1)));
    return out;
  };
}

}  // namespace

void register_global_pool_halide(LoweringTable& table) {
  table.add("global_avgpool", global_pool(false));
  table.add("global_maxpool", global_pool(true));
}

}  // namespace cnnc::backends::halide
