// Per-channel sums shared by batchnorm's training lowerings (batchnorm.cpp,
// batchnorm_grad.cpp): sums over every IR axis but 1 (the batch and the
// spatial axes) of a tensor [N, C, ...], in a fixed order, so runs repeat
// bit for bit (no atomics, no order that depends on the thread count).
//
// Rank 2 ([N, C]): summed over the items in order, a vector of channels at
// a time, in double. Higher ranks: each (item, channel) plane is summed a
// vector of kLanes columns at a time into per-lane float partial sums
// (lanes past a row's end masked), the items in parallel; the lanes, then
// the items, are then added in double. The lane count is fixed (not the
// target's vector width) so that every machine sums in the same order.
#pragma once

#include <Halide.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "backends/halide/lowering_table.h"
#include "backends/halide/nchw.h"

namespace cnnc::backends::halide::batchnorm_stats {

inline constexpr int kLanes = 8;

// Elements per channel: the batch times the spatial size.
inline int64_t count_per_channel(const ir::Shape& x) {
  int64_t m = 1;
  for (size_t d = 0; d < x.rank(); ++d)
    if (d != 1) m *= x[d];
  return m;
}

// f(args) = values, a Tuple when there are several.
inline void define_values(Halide::Func& f, const std::vector<Halide::Expr>& args,
                          const std::vector<Halide::Expr>& values) {
  if (values.size() == 1)
    f(args) = values[0];
  else
    f(args) = Halide::Tuple(values);
}

// Value k of f(args) (of `count` values).
inline Halide::Expr value_of(const Halide::Func& f, const std::vector<Halide::Expr>& args, size_t k,
                             size_t count) {
  if (count == 1) return f(args);
  return f(args)[static_cast<int>(k)];
}

// The float terms summed at one IR index of x (always within x's shape).
using Terms = std::function<std::vector<Halide::Expr>(const std::vector<Halide::Expr>& at)>;

// sums(c): one double per term, each term summed over channel c of a
// tensor of IR shape `x` [N, C, ...]. Computed at the root.
inline Halide::Func channel_sums(const LoweringContext& ctx, const std::string& what,
                                 const ir::Shape& x, const Terms& terms) {
  namespace hl = Halide;
  const size_t rank = x.rank();
  const int batch = to_int(x[0]);
  hl::Var c("c"), n("n"), lane("lane");
  hl::Func sums = ctx.func(what);
  if (rank == 2) {
    hl::RDom r(0, batch, what + "_n");
    const std::vector<hl::Expr> t = terms({r, c});
    define_values(sums, {c}, std::vector<hl::Expr>(t.size(), hl::Expr(0.0)));
    std::vector<hl::Expr> next;
    for (size_t k = 0; k < t.size(); ++k)
      next.push_back(value_of(sums, {c}, k, t.size()) + hl::cast<double>(t[k]));
    define_values(sums, {c}, next);
    sums.compute_root();
    if (x[1] >= kLanes)
      sums.update().reorder(c, r).vectorize(c, kLanes, hl::TailStrategy::GuardWithIf);
    return sums;
  }
  // Reduced per (item, channel): the plane (every spatial axis) as one
  // row-major run of `plane` elements, kLanes at a time. The plane is
  // contiguous in memory, so the per-axis indices recombine into dense
  // vector loads.
  int64_t plane = 1;
  for (size_t d = 2; d < rank; ++d) plane *= x[d];
  const int size = to_int(plane);
  hl::RDom r(0, (size + kLanes - 1) / kLanes, what + "_r");
  const hl::Expr flat = r * kLanes + lane;
  const bool ragged = size % kLanes != 0;
  // Past the plane's end: a clamped (in-bounds) read, masked to 0. `likely`
  // lets Halide split the whole vectors from the last, ragged one.
  const hl::Expr inside = hl::likely(flat < size);
  const hl::Expr i = ragged ? hl::min(flat, size - 1) : flat;
  std::vector<hl::Expr> at{n, c};
  int64_t inner = plane;
  for (size_t d = 2; d < rank; ++d) {
    inner /= x[d];
    hl::Expr index = inner == 1 ? i : i / to_int(inner);
    at.push_back(d == 2 ? index : index % to_int(x[d]));
  }
  const std::vector<hl::Expr> t = terms(at);
  const size_t count = t.size();
  hl::Func partial = ctx.func(what + "_partial");
  define_values(partial, {lane, c, n}, std::vector<hl::Expr>(count, hl::Expr(0.0f)));
  std::vector<hl::Expr> next;
  for (size_t k = 0; k < count; ++k)
    next.push_back(value_of(partial, {lane, c, n}, k, count) +
                   (ragged ? hl::select(inside, t[k], 0.0f) : t[k]));
  define_values(partial, {lane, c, n}, next);
  partial.compute_root().vectorize(lane, kLanes);
  partial.update().reorder(lane, r, c, n).vectorize(lane);
  if (batch > 1)
    partial.update().parallel(n);
  else
    partial.update().parallel(c);

  hl::RDom s(hl::Region{{0, kLanes}, {0, batch}}, what + "_s");
  define_values(sums, {c}, std::vector<hl::Expr>(count, hl::Expr(0.0)));
  next.clear();
  for (size_t k = 0; k < count; ++k)
    next.push_back(value_of(sums, {c}, k, count) +
                   hl::cast<double>(value_of(partial, {s[0], c, s[1]}, k, count)));
  define_values(sums, {c}, next);
  sums.compute_root();
  return sums;
}

// The batch mean of `x` (IR shape `shape`) per channel, as float: the sum
// divided by the count in double, as the reference. Computed at the root.
inline Halide::Func batch_mean(const LoweringContext& ctx, const Halide::Func& x,
                               const ir::Shape& shape) {
  namespace hl = Halide;
  const double m = static_cast<double>(count_per_channel(shape));
  hl::Func sum = channel_sums(
      ctx, "batch_sum", shape,
      [&](const std::vector<hl::Expr>& at) -> std::vector<hl::Expr> { return {read(x, at)}; });
  hl::Var c("c");
  hl::Func mean = ctx.func("batch_mean");
  mean(c) = hl::cast<float>(sum(c) / hl::Expr(m));
  mean.compute_root();
  return mean;
}

}  // namespace cnnc::backends::halide::batchnorm_stats
