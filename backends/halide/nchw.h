// Indexing helpers that let a lowering speak the IR's order (N, C, H, W)
// while Halide stores the last IR dim fastest: IR dim d of a rank-r tensor
// is Halide dim r-1-d. Every lowering indexes through these, so the
// reversal lives in one place.
#pragma once

#include <Halide.h>

#include <cstdint>
#include <vector>

#include "ir/shape.h"

namespace cnnc::backends::halide {

// Fresh pure Vars in IR order (v[0] is the batch for an activation).
std::vector<Halide::Var> make_vars(size_t rank);
std::vector<Halide::Expr> as_exprs(const std::vector<Halide::Var>& vars);

// f at an index given in IR order.
Halide::Expr read(const Halide::Func& f, const std::vector<Halide::Expr>& ir_index);
// f(vars) = value, with `vars` in IR order.
void define(Halide::Func& f, const std::vector<Halide::Var>& ir_vars, const Halide::Expr& value);

// f(index) += value, with `ir_index` in IR order (an update definition).
void accumulate(Halide::Func& f, const std::vector<Halide::Expr>& ir_index,
                const Halide::Expr& value);

// Halide sizes (x fastest) of a concrete IR shape; throws std::invalid_argument
// for a symbolic dim or one beyond Halide's 32-bit extents.
std::vector<int> halide_sizes(const ir::Shape& shape);
// A narrowing that throws instead of wrapping: Halide indexes with int32.
int to_int(int64_t v);

// `f` (of IR shape `shape`) reading `value` outside the shape along IR dims
// first_dim and up: zero padding for convolution, -inf for max pooling.
// `staged`: the result will be computed into a buffer of its own (a
// convolution's staged input), so its loops are split around the border
// and the interior is copied with dense vector loads; left inline, that
// split would multiply every consumer loop (and the compile time).
Halide::Func pad_constant(const Halide::Func& f, const ir::Shape& shape, const Halide::Expr& value,
                          size_t first_dim = 2, bool staged = false);

// The element of `x` (IR shape `from`) at the row-major position that
// `index` has in IR shape `to` (same element count): flatten and reshape.
Halide::Expr read_row_major(const Halide::Func& x, const ir::Shape& from, const ir::Shape& to,
                            const std::vector<Halide::Expr>& index);

}  // namespace cnnc::backends::halide
