#include "backends/halide/nchw.h"

#include <fmt/format.h>

#include <limits>
#include <stdexcept>

namespace cnnc::backends::halide {

namespace hl = Halide;

std::vector<hl::Var> make_vars(size_t rank) {
  std::vector<hl::Var> vars;
  for (size_t d = 0; d < rank; ++d) vars.emplace_back(fmt::format("d{}", d));
  return vars;
}

std::vector<hl::Expr> as_exprs(const std::vector<hl::Var>& vars) {
  return std::vector<hl::Expr>(vars.begin(), vars.end());
}

hl::Expr read(const hl::Func& f, const std::vector<hl::Expr>& ir_index) {
  return f(std::vector<hl::Expr>(ir_index.rbegin(), ir_index.rend()));
}

void define(hl::Func& f, const std::vector<hl::Var>& ir_vars, const hl::Expr& value) {
  f(std::vector<hl::Var>(ir_vars.rbegin(), ir_vars.rend())) = value;
}

int to_int(int64_t v) {
  if (v < std::numeric_limits<int>::min() || v > std::numeric_limits<int>::max())
    throw std::invalid_argument(fmt::format("{} does not fit Halide's 32-bit indices", v));
  return static_cast<int>(v);
}

void accumulate(hl::Func& f, const std::vector<hl::Expr>& ir_index, const hl::Expr& value) {
  f(std::vector<hl::Expr>(ir_index.rbegin(), ir_index.rend())) += value;
}

std::vector<int> halide_sizes(const ir::Shape& shape) {
  std::vector<int> sizes;
  for (size_t d = shape.rank(); d-- > 0;) {
    if (shape[d] < 0)
      throw std::invalid_argument("shape " + ir::to_string(shape) + " is not concrete");
    sizes.push_back(to_int(shape[d]));
  }
  return sizes;
}

hl::Func pad_constant(const hl::Func& f, const ir::Shape& shape, const hl::Expr& value,
                      size_t first_dim, bool staged) {
  // Not BoundaryConditions::constant_exterior: its `likely` makes Halide
  // partition every loop of every consumer around the border, which
  // multiplies JIT time; tuned schedules will make that choice per layer.
  auto vars = make_vars(shape.rank());
  hl::Expr inside = hl::Internal::const_true();
  std::vector<hl::Expr> at;
  for (size_t d = 0; d < shape.rank(); ++d) {
    if (d < first_dim) {
      at.push_back(vars[d]);
      continue;
    }
    const int extent = to_int(shape[d]);
    inside = inside && vars[d] >= 0 && vars[d] < extent;
    // Clamped so that bounds inference never asks `f` for more than its shape.
    at.push_back(hl::clamp(vars[d], 0, extent - 1));
  }
  hl::Func padded;  // Halide names it uniquely: one producer may be padded for several layers
  define(padded, vars, hl::select(staged ? hl::likely(inside) : inside, read(f, at), value));
  return padded;
}

hl::Expr read_row_major(const hl::Func& x, const ir::Shape& from, const ir::Shape& to,
                        const std::vector<hl::Expr>& index) {
  // Keeping a shared leading (batch) dim keeps the linear index small.
  size_t keep = (from.rank() > 0 && to.rank() > 0 && from[0] == to[0]) ? 1 : 0;
  hl::Expr linear = 0;
  for (size_t d = keep; d < to.rank(); ++d) linear = linear * to_int(to[d]) + index[d];
  std::vector<hl::Expr> at(from.rank());
  if (keep) at[0] = index[0];
  for (size_t d = from.rank(); d-- > keep;) {
    at[d] = d == keep ? linear : linear % to_int(from[d]);
    linear = linear / to_int(from[d]);
  }
  return read(x, at);
}

}  // namespace cnnc::backends::halide
