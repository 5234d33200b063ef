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

// What load_matching_weights did. A parameter is loaded when the file has a
// float tensor of its name and shape; every other tensor of the file is
// skipped, with the reason.
struct WeightsMatch {
  struct Skipped {
    enum class Reason { NotInModel, ShapeDiffers, NotFloat };
    std::string name;
    Reason reason = Reason::NotInModel;
    std::string dtype;      // the tensor's, as in the file ("F32", "I64", ...)
    ir::Shape file_shape;   // the tensor's
    ir::Shape model_shape;  // the parameter's (ShapeDiffers, NotFloat)
    // "'logits.weight': shape [10, 84] in the file, [5, 84] in the model"
    std::string describe() const;
  };
  struct Param {
    std::string name;
    ir::Shape shape;
  };
  int64_t params = 0;               // the model's parameters
  std::vector<std::string> loaded;  // parameters set from the file, in node order
  std::vector<Skipped> skipped;     // the file's other tensors: those named like a
                                    // parameter in node order, then the rest by name
  std::vector<Param> not_in_file;   // parameters the file has no tensor for, in node order

  // "loaded 8 of 10 parameters from FILE; initialized: logits.weight [5, 84],
  // logits.bias [5] (the file's are [10, 84], [10])", then the parameters
  // the file lacks and the tensors the model has no parameter for.
  std::string summary(const std::string& path) const;
};

// Transfer learning (PyTorch's load_state_dict(strict=False)): sets every
// Param node for which the safetensors file at `path` has a tensor of the
// same name and shape, leaving the other parameters as they are (initialize
// them first), and reports what was loaded and skipped. Tensors are
// converted to float as load_weights does; a non-float tensor is skipped.
// A file without a single matching tensor is a WeightsError naming it (one
// problem per tensor): almost surely the wrong file. A corrupt file is an
// IoError. On any error the graph is unchanged.
WeightsMatch load_matching_weights(ir::Graph& graph, const std::string& path);

// Writes every Param node's value to `path` (safetensors, F32, atomically),
// with the model name in the metadata. Throws std::invalid_argument listing
// parameters that have no value, IoError when the file cannot be written.
void save_weights(const ir::Graph& graph, const std::string& path);

}  // namespace cnnc
