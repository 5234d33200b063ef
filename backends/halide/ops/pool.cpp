// maxpool, avgpool, l2pool over 1-3 spatial axes with the reference's
// (PyTorch's) window rules. Taps outside the input read the padding value
// (-inf for max, 0 otherwise); the average's divisor is computed per output
// position from the clipped window, so ceil_mode and count_include_pad
// need no special cases.
#include <limits>

#include "backends/halide/lowering_table.h"
#include "backends/halide/nchw.h"
#include "ir/ops/window.h"

namespace cnnc::backends::halide {

namespace {

namespace hl = Halide;

enum class PoolKind { Max, Avg, L2 };

hl::Func lower_pool(const ir::Node& node, std::span<const hl::Func> in, LoweringContext& ctx,
                    PoolKind kind) {
  const ir::Shape& xs = ctx.input(0);
  const ir::Window w = ir::read_window(node.attrs, xs, /*default_stride=*/0);
  const size_t rank = w.rank();
  const bool include_pad =
      node.attrs.has("count_include_pad") && node.attrs.get_bool("count_include_pad");

  const float pad = kind == PoolKind::Max ? -std::numeric_limits<float>::infinity() : 0.0f;
  hl::Func x = pad_constant(in[0], xs, pad);
  auto v = make_vars(rank + 2);  // n, c, spatial...
  hl::Region taps;
  for (size_t a = 0; a < rank; ++a) taps.push_back({0, to_int(w.kernel[a])});
  hl::RDom r(taps);

  std::vector<hl::Expr> xi{v[0], v[1]};
  hl::Expr divisor = 1;
  for (size_t a = 0; a < rank; ++a) {
    hl::Expr start = v[2 + a] * to_int(w.stride[a]) - to_int(w.pad_begin[a]);
    xi.push_back(start + r[a] * to_int(w.dilation[a]));
    // Average pooling has no dilation, so its window is [start, start + kernel).
    hl::Expr end = start + to_int(w.kernel[a]);
    hl::Expr extent = include_pad ? hl::min(end, to_int(xs[2 + a] + w.pad_end[a])) - start
                                  : hl::min(end, to_int(xs[2 + a])) - hl::max(start, 0);
    divisor *= extent;
  }
  hl::Expr tap = read(x, xi);
  hl::Expr value;
  switch (kind) {
    case PoolKind::Max:
      value = hl::maximum(tap);
      break;
    case PoolKind::Avg:
      value = hl::sum(tap) / hl::cast<float>(hl::max(divisor, 1));
      break;
    case PoolKind::L2:
      value = hl::sqrt(hl::sum(tap * tap));
      break;
  }
  hl::Func out = ctx.func(node.op);
  define(out, v, value);
  return out;
}

Lowering pool(PoolKind kind) {
  return [kind](const ir::Node& node, std::span<const hl::Func> in, LoweringContext& ctx) {
    return lower_pool(node, in, ctx, kind);
  };
}

}  // namespace

void register_pool_halide(LoweringTable& table) {
  table.add("maxpool", pool(PoolKind::Max));
  table.add("avgpool", pool(PoolKind::Avg));
  table.add("l2pool", pool(PoolKind::L2));
}

}  // namespace cnnc::backends::halide
