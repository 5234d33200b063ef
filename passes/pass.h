// Passes are plain functions over the graph. Each says what it preserved so
// cached analyses (shapes) are recomputed only when needed. Passes and named
// pipelines live in one registry that also drives `--help`,
// `--print-after=PASS` and `--disable-pass=PASS`.
#pragma once

#include <functional>
#include <map>
#include <ostream>
#include <set>
#include <string>
#include <vector>

#include "ir/graph.h"
#include "ir/op_registry.h"

namespace cnnc::passes {

enum class Preserved { All, Shapes, Nothing };

struct PassContext {
  const ir::OpRegistry& ops;
  bool shapes_valid = false;  // the shape analysis cache
};

struct PassInfo {
  std::string name;
  std::string description;
  std::function<Preserved(ir::Graph&, PassContext&)> run;
};

class PassRegistry {
 public:
  void add(PassInfo pass);
  const PassInfo* find(std::string_view name) const;
  std::vector<std::string> names() const;
  // A named pipeline, e.g. "inference" = "infer-shapes,eliminate-dropout,...".
  void add_pipeline(std::string name, std::vector<std::string> passes, std::string description);
  // Expands a pipeline name or a comma-separated list of pass names; throws
  // std::invalid_argument for an unknown name, with a suggestion.
  std::vector<std::string> expand(std::string_view spec) const;
  const std::map<std::string, std::pair<std::vector<std::string>, std::string>, std::less<>>& pipelines() const {
    return pipelines_;
  }

 private:
  std::map<std::string, PassInfo, std::less<>> passes_;
  std::map<std::string, std::pair<std::vector<std::string>, std::string>, std::less<>> pipelines_;
};

struct PassManagerOptions {
  std::set<std::string> print_after;  // pass names
  bool print_after_all = false;
  std::set<std::string> disabled;
  std::ostream* dump = nullptr;  // where IR dumps go (stderr in the CLI)
};

// Runs the passes of `spec` in order, keeping the shape cache valid: a pass
// that did not preserve shapes triggers shape inference before the next one.
void run_pipeline(const PassRegistry& registry, std::string_view spec, ir::Graph& graph,
                  PassContext& ctx, const PassManagerOptions& options = {});

// Registers the built-in passes and pipelines.
void register_builtin_passes(PassRegistry& registry);

}  // namespace cnnc::passes
