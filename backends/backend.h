// Backend: turns a shape-inferred ir::Graph (parameters loaded) into an
// Executable. Backends register by name; `cnnc backends` lists them.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "ir/graph.h"
#include "ir/tensor.h"

namespace cnnc::backends {

struct CompileOptions {
  int threads = 0;        // worker threads for backends with a thread pool; 0: every core
  std::string cache_dir;  // compiled-kernel cache; empty: the backend's default
  std::string schedule;   // "" (the backend's heuristics) or e.g. "auto:adams2019"
  // Activation layout between kernels, for backends that choose one:
  // "auto" (the backend's choice, e.g. channel-blocked) or "nchw" (plain).
  std::string layout = "auto";
  // The device, for backends that have several (Vulkan: an index of `cnnc
  // devices`); -1: the backend's default.
  int device = -1;
};

// Wall time of one kernel (one node of the compiled graph, fused or not)
// during one run.
struct KernelTiming {
  std::string name;  // the node's name (a fused node is named after its last layer)
  std::string op;    // "conv2d", or the fused body "c1+relu1+p1"
  double seconds = 0;
  int64_t macs = 0;    // multiply-accumulates at the run's batch size, 0 when unknown
  std::string layout;  // the output's memory layout ("nchw", "nChw16c"), empty when not chosen
};

class Executable {
 public:
  virtual ~Executable() = default;
  // `inputs` in the order of Graph::input_nodes(); results in the order of
  // Graph::outputs(). All inputs share one batch size. Throws
  // std::invalid_argument naming the tensor when a shape does not fit.
  // Safe to call from several threads at once unless the backend says not.
  virtual std::vector<ir::Tensor> run(std::span<const ir::Tensor> inputs) = 0;
  // run(), also appending one KernelTiming per kernel in execution order.
  // The default times the whole run as one entry named "graph".
  virtual std::vector<ir::Tensor> run_profiled(std::span<const ir::Tensor> inputs,
                                               std::vector<KernelTiming>& timings);
  // Bytes of intermediate and output activations one run at `batch` holds at
  // its peak: the backend's memory plan.
  virtual int64_t peak_activation_bytes(int64_t batch) const = 0;
  // Replaces the value of the graph's Param node `name` for the runs that
  // follow: training writes the updated weights and optimizer state back
  // between steps. Throws std::invalid_argument for a name that is not a
  // Param node of the compiled graph (a parameter folded into a fused node
  // is not one) or for a different number of values. Not safe while a run
  // is in progress.
  virtual void set_param(std::string_view name, std::span<const float> values) = 0;
};

// The Param node `name` of `graph`, checked for set_param: it exists and
// holds `count` values; std::invalid_argument otherwise.
ir::Node& param_to_set(ir::Graph& graph, std::string_view name, size_t count);

class Backend {
 public:
  virtual ~Backend() = default;
  virtual std::string name() const = 0;
  virtual std::string description() const = 0;
  // Throws std::runtime_error naming the node when an op is not supported.
  // The executable may outlive this backend (not the op registry or kernel
  // table the backend was made with).
  virtual std::unique_ptr<Executable> compile(const ir::Graph& graph,
                                              const CompileOptions& options) = 0;
};

class BackendRegistry {
 public:
  void add(std::unique_ptr<Backend> backend);
  Backend* find(std::string_view name) const;
  std::vector<std::string> names() const;

 private:
  std::map<std::string, std::unique_ptr<Backend>, std::less<>> backends_;
};

// Checks that `inputs` fit the graph's input nodes (count, rank, non-batch
// dims, one common batch size) and returns that batch size.
int64_t check_run_inputs(const ir::Graph& graph, std::span<const ir::Tensor> inputs);

}  // namespace cnnc::backends
