// The Halide CPU backend: the whole graph becomes one Halide pipeline (one
// Func per op, from backends/halide/lowering_table.h), JIT-compiled for the
// host once per batch size and cached in the Executable. Correctness first:
// every op is computed at the root with Halide's default loop order; tuned
// schedules, fusion and the on-disk kernel cache come next.
//
// This header does not include Halide.h, so the runtime can register the
// backend without seeing Halide.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "backends/backend.h"

namespace cnnc::backends::halide {

// A backend named "halide" lowering every built-in op it has a lowering for;
// compile() throws std::runtime_error naming the layer for any other op.
std::unique_ptr<Backend> make_halide_backend();

// The ops the built-in lowerings cover, sorted (for support tables and tests).
std::vector<std::string> lowered_ops();

}  // namespace cnnc::backends::halide
