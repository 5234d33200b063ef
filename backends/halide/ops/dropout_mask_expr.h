// The keep-mask of dropout in training (ir/ops/dropout_mask.h) as Halide
// Exprs, bit for bit the reference's: the same SplitMix64 hash in uint64
// arithmetic, and the reference's double comparison `(draw >> 11) * 2^-53
// < 1 - rate` restated exactly as an integer one, `(draw >> 11) <
// ceil((1 - rate) 2^53)` (draw >> 11 has 53 bits, so the product is exact).
// Shared by dropout.cpp and dropout_grad.cpp.
#pragma once

#include <Halide.h>

#include <cmath>
#include <cstdint>
#include <vector>

#include "backends/halide/lowering_table.h"
#include "backends/halide/nchw.h"
#include "ir/ops/dropout_mask.h"

namespace cnnc::backends::halide::dropout_mask_expr {

inline Halide::Expr u64(uint64_t v) {
  return Halide::Expr(v);
}

// ir::dropout_mask::mix on a uint64 Expr.
inline Halide::Expr mix(Halide::Expr z) {
  z = (z ^ (z >> u64(30))) * u64(0xBF58476D1CE4E5B9ull);
  z = (z ^ (z >> u64(27))) * u64(0x94D049BB133111EBull);
  return z ^ (z >> u64(31));
}

// The mask's key for the step in `step` (a float counter [1], rounded as
// ir::dropout_mask::step_of does), computed once at the root.
inline Halide::Func key(const LoweringContext& ctx, const Halide::Func& step, uint64_t seed,
                        uint64_t stream) {
  namespace hl = Halide;
  namespace dm = ir::dropout_mask;
  // key = mix(mix(mix(seed + gamma) ^ (stream gamma)) ^ step); the step-free part here.
  const uint64_t fixed = dm::mix(dm::mix(seed + dm::kGamma) ^ (stream * dm::kGamma));
  const hl::Expr value = read(step, {hl::Expr(0)});
  // llround of a positive float: exact in double, ties away from zero.
  const hl::Expr steps = hl::select(
      value > 0.0f, hl::cast<uint64_t>(hl::floor(hl::cast<double>(value) + hl::Expr(0.5))), u64(0));
  hl::Func k = ctx.func("dropout_key");
  k() = mix(u64(fixed) ^ steps);
  k.compute_root();
  return k;
}

// Whether the element at IR index `at` of a tensor of IR shape `shape` is
// kept: its row-major position i draws mix(key + (i + 1) gamma).
inline Halide::Expr keep(const Halide::Func& key, const ir::Shape& shape,
                         const std::vector<Halide::Expr>& at, double rate) {
  namespace hl = Halide;
  hl::Expr index = hl::cast<uint64_t>(at[0]);
  for (size_t d = 1; d < shape.rank(); ++d)
    index = index * u64(static_cast<uint64_t>(shape[d])) + hl::cast<uint64_t>(at[d]);
  const hl::Expr draw = mix(key() + (index + u64(1)) * u64(ir::dropout_mask::kGamma));
  const auto threshold = static_cast<uint64_t>(std::ceil((1.0 - rate) * 0x1.0p53));
  return (draw >> u64(11)) < u64(threshold);
}

// x kept and scaled by 1 / (1 - rate) in double, as the reference, or 0.
inline Halide::Expr apply(const Halide::Expr& keep, const Halide::Expr& x, double rate) {
  namespace hl = Halide;
  const hl::Expr scaled = hl::cast<float>(hl::cast<double>(x) * hl::Expr(1.0 / (1.0 - rate)));
  return hl::select(keep, scaled, 0.0f);
}

}  // namespace cnnc::backends::halide::dropout_mask_expr
