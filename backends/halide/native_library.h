// `cnnc compile`: a NativePlan written out as a static library a C or C++
// program links with nothing but libc, libm and pthread:
//   OUT/lib<name>.a   the plan (generated C), the weights (embedded), every
//                     kernel's object and the Halide runtime's
//   OUT/<name>.h      the C API: <name>_create / _run / _destroy, shapes,
//                     memory sizes and alignment as constants
//   OUT/<name>        with `executable`: a program classifying images or raw
//                     float32 inputs with it, or timing it (--bench)
// Symbols are prefixed with the name, kernels are named by their content
// and each archive carries the runtime as its own member, so several
// compiled models link into one program: the linker takes one copy of a
// kernel or of the runtime and no symbol is defined twice.
#pragma once

#include <filesystem>
#include <string>

#include "backends/halide/native_plan.h"

namespace cnnc::backends::halide {

struct NativeLibraryOptions {
  std::string name;  // a C identifier
  std::filesystem::path out_dir;
  bool executable = false;
  // The weights in OUT/<name>.weights, read by _create, not in the library.
  bool external_weights = false;
};

struct NativeLibraryFiles {
  std::filesystem::path library, header, executable, weights;
};

// Throws std::invalid_argument for a name that is not a C identifier and
// std::runtime_error (with the tool's output) when compiling or archiving
// fails. Writes into `out_dir`, created if missing.
NativeLibraryFiles write_native_library(const NativePlan& plan,
                                        const NativeLibraryOptions& options);

// The C source of the plan and the header, as write_native_library writes
// them (for tests and for reading).
// `weights_file`: empty for weights embedded in the library.
std::string native_header(const NativePlan& plan, const std::string& name,
                          const std::string& weights_file);
std::string native_source(const NativePlan& plan, const std::string& name,
                          const std::string& weights_file);
std::string native_main(const NativePlan& plan, const std::string& name);

}  // namespace cnnc::backends::halide
