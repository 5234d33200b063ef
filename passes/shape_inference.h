// \file
// Shape inference: fills every Node::outputs from the op registry, in
// topological order, and checks the model's shape assertions. It is the
// cached analysis of the pass manager (PassContext::shapes_valid): passes
// that change shapes return Preserved::Nothing and it is rerun before the
// next pass that needs shapes. Why a pass: rewrites (fusion, folding,
// reshaping of parameters) invalidate shapes, and the frontend's inference
// is only the first run of this same logic.
#pragma once

#include <optional>
#include <stdexcept>
#include <string>

#include "ir/graph.h"
#include "ir/op_registry.h"

namespace cnnc::passes {

// A shape problem found by infer_shapes. The message names the layer and
// where it came from (SourceTrace::describe()); `input` is the index of the
// offending operand when the op pointed at one.
struct ShapeError : std::runtime_error {
  ShapeError(const std::string& message, ir::NodeId node_id,
             std::optional<int> input_index = std::nullopt)
      : std::runtime_error(message), node(node_id), input(input_index) {}
  ir::NodeId node;
  std::optional<int> input;
};

// Input nodes keep their declared shape; Param nodes get their ParamSpec's
// shape (their value must match it); Op nodes get OpDef::infer of their
// inputs ordered by port. An op's parameter inputs are the Param-node inputs
// after its last non-Param input, for ops that declare parameters at all, so
// a folded constant feeding `add` or `mul` still counts as a data input.
// Throws ShapeError.
void infer_shapes(ir::Graph& graph, const ir::OpRegistry& ops);

}  // namespace cnnc::passes
