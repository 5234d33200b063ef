// The Halide CPU backend. Every op or fused node of the graph becomes one
// kernel (backends/halide/kernel_desc.h): a Halide pipeline lowered from the
// op's Funcs, scheduled by a template picked from its shapes, compiled
// ahead of time to an object file in the kernel cache and linked, with the
// model's other kernels, into a shared library (one per model and batch
// size). Running executes the kernels in topological order over buffers
// placed by the memory plan, each run with its own arena, so several
// threads may run one executable at once.
//
// This header does not include Halide.h, so the runtime can register the
// backend without seeing Halide.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "backends/backend.h"
#include "ir/op_registry.h"

namespace cnnc::backends::halide {

// A backend named "halide" lowering every built-in op it has a lowering for;
// compile() throws std::runtime_error naming the layer for any other op.
// `target`: a Halide target string ("x86-64-linux-avx-avx2-fma-f16c-sse41");
// empty for $HL_TARGET, else this machine.
std::unique_ptr<Backend> make_halide_backend(const ir::OpRegistry& ops,
                                             const std::string& target = "");

// The ops the built-in lowerings cover, sorted (for support tables and tests).
std::vector<std::string> lowered_ops();

}  // namespace cnnc::backends::halide
