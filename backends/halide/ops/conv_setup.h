// What the direct and transposed convolution lowerings share: the window,
// the channels per group, the zero-padded input, the output's variables
// (n, k, spatial...) and the reduction over (channel in group, kernel taps).
#pragma once

#include <Halide.h>

#include <span>
#include <vector>

#include "backends/halide/lowering_table.h"
#include "backends/halide/nchw.h"
#include "ir/ops/window.h"

namespace cnnc::backends::halide {

struct ConvSetup {
  ir::Window window;
  int cg, kg;  // input and output channels per group
  Halide::Func padded_input;
  std::vector<Halide::Var> v;
  Halide::RDom r;  // r[0]: channel in the group; r[1 + a]: tap on spatial axis a
};

inline ConvSetup conv_setup(const ir::Node& node, std::span<const Halide::Func> in,
                            LoweringContext& ctx) {
  const ir::Shape& xs = ctx.input(0);
  const ir::Shape& ys = ctx.output_shape;
  ir::Window w = ir::read_window(node.attrs, xs);
  const int64_t groups = node.attrs.get_int("groups");
  Halide::Region taps{{0, to_int(xs[1] / groups)}};
  for (size_t a = 0; a < w.rank(); ++a) taps.push_back({0, to_int(w.kernel[a])});
  return {w,
          to_int(xs[1] / groups),
          to_int(ys[1] / groups),
          pad_constant(in[0], xs, 0.0f, 2, /*staged=*/true),
          make_vars(w.rank() + 2),
          Halide::RDom(taps)};
}

}  // namespace cnnc::backends::halide
