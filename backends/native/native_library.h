// `cnnc compile`: a model a backend compiled for one batch size, written out
// as a static library a C or C++ program links without cnnc:
//   OUT/lib<name>.a   the plan (generated C), the weights (embedded), and the
//                     backend's objects (Halide kernels and runtime)
//   OUT/<name>.h      the C API: <name>_create / _run / _destroy, shapes,
//                     memory sizes and alignment as constants
//   OUT/<name>        with `executable`: a program classifying images or raw
//                     float32 inputs with it, or timing it (--bench)
// The part common to every backend lives here: the header, creating an
// instance (weights embedded or read from a checked file), argument checks,
// the cnnc_compiled_model descriptor, the program. A backend supplies the
// plan: C code creating, running and destroying what it needs.
// Symbols are prefixed with the name, and objects shared between models
// (kernels, the Halide runtime) are archive members named by their content,
// so several compiled models link into one program.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "ir/shape.h"

namespace cnnc::backends::native {

struct NativeTensor {
  std::string name;
  ir::Shape shape;  // at the model's batch
};

struct NativeModel {
  std::string backend;       // "halide", "vulkan": said in the header
  std::string target;        // what it was compiled for, said in the header
  std::string cross_triple;  // clang's triple for another machine; empty: this one
  int64_t batch = 1;
  std::vector<NativeTensor> inputs, outputs;
  std::vector<std::byte> weights;  // the blob the plan reads, loaded 64-byte aligned
  // Host memory an instance works in (callers may bring it); 0: none, the
  // plan keeps its tensors elsewhere (device memory) and ignores an arena.
  int64_t arena_bytes = 0;
  std::vector<std::filesystem::path> objects;  // archived as they are
  std::vector<std::string> link_flags;         // what a program links besides the library
  // C defining, after `struct <name>` (typedef'd native_model) with fields
  // arena, weights, plan (void*, the plan's own state) and error[512]:
  //   static int plan_create(native_model* m);  status; why in create_error
  //   static int plan_run(native_model* m, const float* const* inputs,
  //                       float* const* outputs);  status; why in m->error
  //   static void plan_destroy(native_model* m);
  //   static int plan_set_threads(int threads);
  // Statuses: 0 ok, 1 a bad argument, 2 out of memory, 3 the device or a
  // kernel failed. Functions it declares with external linkage must be
  // shared by every model that defines them (content-named kernels).
  std::string plan_source;
  // Compiler flags the plan needs (include paths, -ffreestanding).
  std::vector<std::string> plan_flags;
};

struct NativeLibraryOptions {
  std::string name;  // a C identifier
  std::filesystem::path out_dir;
  bool executable = false;
  // The weights in OUT/<name>.weights, read by _create, not in the library.
  bool external_weights = false;
  // What the program does to an image after decoding and resizing it, as
  // `cnnc run --invert --mean --std` does: v -> 1 - v, then (v - mean) / std
  // per channel (one value: every channel). Empty: 0 and 1.
  bool invert = false;
  std::vector<float> mean, stddev;
};

struct NativeLibraryFiles {
  std::filesystem::path library, header, executable, weights;
};

// Throws std::invalid_argument for a name that is not a C identifier, an
// executable for another machine, or image options that do not fit the
// model's input (not an image; mean or std of another channel count; a std
// not positive), and std::runtime_error (with the tool's
// output) when compiling or archiving fails. Writes into `out_dir`,
// created if missing.
NativeLibraryFiles write_native_library(const NativeModel& model,
                                        const NativeLibraryOptions& options);

// The header, the plan's C source and the program, as write_native_library
// writes them. `weights_file`: empty for weights embedded in the library.
std::string native_header(const NativeModel& model, const std::string& name,
                          const std::string& weights_file);
std::string native_source(const NativeModel& model, const std::string& name,
                          const std::string& weights_file);
std::string native_main(const NativeModel& model, const NativeLibraryOptions& options);

// A C string literal of `s`.
std::string c_quoted(const std::string& s);

}  // namespace cnnc::backends::native
