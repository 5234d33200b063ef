// Passes are plain functions over the graph. Each says what it preserved so
// cached analyses (shapes) are recomputed only when needed. Passes and named
// pipelines live in one registry that also drives `--help`,
// `--print-after=PASS` and `--disable-pass=PASS`.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <ostream>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "ir/graph.h"
#include "ir/op_registry.h"
#include "ir/tensor.h"

namespace cnnc::passes {

// Shapes: the graph changed but every remaining Node::outputs is still right.
enum class Preserved { All, Shapes, Nothing };

// Computes an op node's outputs from constant inputs (data inputs, then
// params), or nullopt when it cannot. passes/ knows no backend, so the
// runtime wires this to the reference kernels.
using ConstantEvaluator = std::function<std::optional<std::vector<ir::Tensor>>(
    const ir::Node&, std::span<const ir::Tensor>)>;

struct PassContext {
  const ir::OpRegistry& ops;
  bool shapes_valid = false;   // the shape analysis cache
  ConstantEvaluator evaluate;  // empty: fold-constants folds nothing
};

struct PassInfo {
  std::string name;
  std::string description;
  std::function<Preserved(ir::Graph&, PassContext&)> run;
  // run_pipeline infers shapes before the pass when the cache is stale.
  bool needs_shapes = true;
};

class PassRegistry {
 public:
  // Throws std::invalid_argument if the name is taken by a pass or pipeline.
  void add(PassInfo pass);
  const PassInfo* find(std::string_view name) const;
  std::vector<std::string> names() const;
  // A named pipeline, e.g. "inference" = "infer-shapes,eliminate-dropout,...";
  // every pass must already be registered.
  void add_pipeline(std::string name, std::vector<std::string> passes, std::string description);
  // Expands a pipeline name or a comma-separated list of pass and pipeline
  // names; throws std::invalid_argument for an unknown name, with a suggestion.
  std::vector<std::string> expand(std::string_view spec) const;
  const std::map<std::string, std::pair<std::vector<std::string>, std::string>, std::less<>>&
  pipelines() const {
    return pipelines_;
  }

 private:
  std::map<std::string, PassInfo, std::less<>> passes_;
  std::map<std::string, std::pair<std::vector<std::string>, std::string>, std::less<>> pipelines_;
};

using GraphPrinter = std::function<void(const ir::Graph&, std::ostream&)>;

struct PassManagerOptions {
  std::set<std::string> print_after;  // pass names
  bool print_after_all = false;
  std::set<std::string> disabled;  // skipped, with a note in `dump`
  std::ostream* dump = nullptr;    // where IR dumps go (stderr in the CLI)
  GraphPrinter printer;            // empty: dump_graph (passes/ir_dump.h)
};

// Runs the passes of `spec` in order, keeping the shape cache valid: a pass
// that did not preserve shapes triggers shape inference before the next one
// that needs them. Unknown names in `spec`, print_after or disabled throw
// std::invalid_argument before any pass runs.
void run_pipeline(const PassRegistry& registry, std::string_view spec, ir::Graph& graph,
                  PassContext& ctx, const PassManagerOptions& options = {});

// Registers the built-in passes and the pipelines "inference", "inference-unfused"
// and "check".
void register_builtin_passes(PassRegistry& registry);

}  // namespace cnnc::passes
