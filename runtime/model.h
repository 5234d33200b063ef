// From a model file to a graph ready to compile: parse, load weights or
// initialize them, run the pass pipeline. The CLI and the embedding API
// both go through here.
#pragma once

#include <cstdint>
#include <string>

#include "ir/graph.h"
#include "passes/pass.h"
#include "runtime/registry.h"

namespace cnnc {

struct ModelOptions {
  std::string weights;  // a safetensors file; empty: use `init`
  std::string init;     // he | xavier | zeros; empty with no weights: parameters stay unset
  uint64_t seed = 0;
  std::string pipeline = "inference";
  passes::PassManagerOptions passes;
};

// Throws frontend::ModelError for a malformed model, IoError or
// std::runtime_error naming the file or tensor for weights problems.
ir::Graph load_model(const std::string& path, Registry& registry, const ModelOptions& options);

// Evaluates a node with the reference kernels, for fold-constants: the
// oracle computes constants once, whatever backend runs the model.
passes::ConstantEvaluator reference_evaluator(Registry& registry);

// Parse and infer shapes only (no weights, no passes): what `inspect`,
// `check` and `dot` need.
ir::Graph parse_model_file(const std::string& path, Registry& registry);

}  // namespace cnnc
