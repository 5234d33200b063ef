// A model compiled by the Halide backend for one batch size, as data:
// what `cnnc compile` turns into a static library that runs without the
// compiler (backends/native/native_library.h). The kernels are the ones `cnnc run`
// uses, from the same kernel cache, with the same memory plan and packed
// weights, so a compiled model computes what the JIT path computes.
//
// This header does not include Halide.h.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "backends/backend.h"
#include "backends/native/native_library.h"
#include "ir/graph.h"
#include "ir/op_registry.h"

namespace cnnc::backends::halide {

// Where a kernel argument lives at run time.
struct NativeOperand {
  enum class Source { Input, Output, Arena, Weight } source = Source::Arena;
  size_t index = 0;        // Input, Output: position among the model's inputs/outputs
  int64_t offset = 0;      // Arena: byte offset; Weight: byte offset in `weights`
  std::vector<int> sizes;  // Halide's order (innermost first), dense strides
};

struct NativeCall {
  std::string function;                 // the kernel's `<name>_argv` entry point
  std::string layer;                    // for messages
  std::vector<NativeOperand> operands;  // the arguments, then the output
};

using native::NativeTensor;

struct NativePlan {
  std::string target;  // Halide's target string
  int64_t batch = 1;
  // Every distinct kernel's object file (in the kernel cache), then the
  // Halide runtime's, compiled for `target`.
  std::vector<std::filesystem::path> objects;
  std::vector<NativeCall> calls;
  std::vector<float> weights;  // every weight operand, each 64-byte aligned
  int64_t arena_bytes = 0;
  // Per model output, where its values come from when no kernel writes it
  // (a model input passed through, or an output listed twice).
  std::vector<NativeOperand> output_sources;
  std::vector<NativeTensor> inputs, outputs;
};

// Compiles `graph` (optimized, with weights) for `batch` and `target`
// (empty: this machine), the runtime object into `work_dir`. Throws
// std::runtime_error naming the layer a kernel cannot be built for.
NativePlan export_native_plan(const ir::Graph& graph, const ir::OpRegistry& ops, int64_t batch,
                              const std::string& target, const CompileOptions& options,
                              const std::filesystem::path& work_dir);

// The plan as a model native::write_native_library writes out: its C
// calls each kernel with halide_buffer_t operands; the library links with
// libm and pthread. Throws std::invalid_argument for a target cnnc cannot
// cross-compile for.
native::NativeModel native_model(const NativePlan& plan);

}  // namespace cnnc::backends::halide
