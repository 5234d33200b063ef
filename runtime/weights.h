// A model's parameters (the graph's Param nodes): seeded initialization, and
// loading and saving them as safetensors named by node (`c1.weight`).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ir/graph.h"
#include "runtime/io_error.h"

namespace cnnc {

// Gives every Param node a value of its declared shape. `method`:
//   he      each parameter as its ParamSpec::init says: HeNormal N(0, sqrt(2/fan_in)),
//           XavierUniform U(-a, a) with a = sqrt(6/(fan_in+fan_out)), Zeros and Bias 0, Ones 1
//   xavier  as `he`, but HeNormal weights also get Xavier uniform
//   zeros   everything 0 except Ones parameters (e.g. batchnorm scale), which get 1
// Each parameter's values depend only on (seed, its name, its spec), not on
// the order of nodes, and are the same on every platform. Throws
// std::invalid_argument for an unknown method (listing the methods) or a
// parameter without a concrete shape.
void initialize_params(ir::Graph& graph, std::string_view method, uint64_t seed);
// The accepted `method`s, for --help.
std::vector<std::string> init_methods();

// The file does not match the model; `problems` has one line per tensor.
struct WeightsError : IoError {
  WeightsError(const std::string& message, std::vector<std::string> problem_list)
      : IoError(message), problems(std::move(problem_list)) {}
  std::vector<std::string> problems;
};

// Sets every Param node from the safetensors file at `path`, matched by name.
// Missing, extra, wrongly shaped and non-float tensors are all reported in
// one WeightsError (each naming the tensor, expected and found); a corrupt
// file is an IoError. On any error the graph is unchanged. F16, BF16 and F64
// tensors are converted to float.
void load_weights(ir::Graph& graph, const std::string& path);

// Writes every Param node's value to `path` (safetensors, F32, atomically),
// with the model name in the metadata. Throws std::invalid_argument listing
// parameters that have no value, IoError when the file cannot be written.
void save_weights(const ir::Graph& graph, const std::string& path);

}  // namespace cnnc
