// The Halide backend's lowerings: op name -> a function building the Halide
// Func that computes the op's output from its inputs' Funcs. Built-in
// lowerings live in backends/halide/ops/<family>.cpp, one file per entry of
// ir/ops/op_list.def, as the reference kernels do.
//
// Tensors are NCHW in the IR and x-fastest in Halide: IR dim d of a rank-r
// tensor is Halide dim r-1-d (see backends/halide/nchw.h). Shapes here are
// concrete: the backend lowers once per batch size.
#pragma once

#include <Halide.h>

#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ir/graph.h"
#include "ir/shape.h"

namespace cnnc::backends::halide {

// The reduction stage of a convolution or dense lowering, which schedule
// templates tile (backends/halide/schedule_apply.h).
struct Anchor {
  Halide::Func accumulator;   // pure init (bias or 0), then one update over `reduction`
  Halide::RDom reduction;     // conv: (channel in group, taps...); dense: features
  Halide::Func padded_input;  // conv: the input as the taps read it, zero-padded; others: undefined
};

struct LoweringContext {
  std::vector<ir::Shape> input_shapes;  // data inputs, then parameters
  ir::Shape output_shape;
  std::string prefix;            // unique in the pipeline and safe as a Halide name
  std::optional<Anchor> anchor;  // set by lowerings whose reduction a template can tile
  // The target's floats per vector register and vector registers, for the
  // lowerings that schedule their own stages (the backward ops).
  int vector_width = 8;
  int registers = 16;

  const ir::Shape& input(size_t i) const { return input_shapes.at(i); }
  // A fresh Func named after the layer, so generated code and errors say
  // which layer a stage belongs to.
  Halide::Func func(std::string_view what) const;
};

// Returns the Func of the node's (single) output. It may schedule Funcs it
// creates internally; the backend schedules the returned one. Throws
// std::runtime_error (or ir::OpError) for attribute combinations it cannot lower.
using Lowering = std::function<Halide::Func(
    const ir::Node& node, std::span<const Halide::Func> inputs, LoweringContext& ctx)>;

class LoweringTable {
 public:
  void add(const std::string& op, Lowering lowering);
  const Lowering* find(std::string_view op) const;
  bool has(std::string_view op) const { return find(op) != nullptr; }
  std::vector<std::string> ops() const;

 private:
  std::map<std::string, Lowering, std::less<>> lowerings_;
};

// Registers every built-in lowering (one function per ir/ops/op_list.def entry).
void register_builtin_lowerings(LoweringTable& table);

}  // namespace cnnc::backends::halide
