// `cnnc compare MODEL --backends A,B --input X`: runs the model on two
// backends with every layer's output kept (the layers as written: no
// folding or fusion) and prints, per layer, how far they disagree, to find
// the first layer where a backend goes wrong.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <iostream>
#include <memory>

#include "runtime/image.h"
#include "runtime/npy.h"
#include "tools/cnnc/command.h"
#include "tools/cnnc/run_options.h"

namespace cnnc::cli {

namespace {

struct CompareArgs {
  std::string model;
  std::vector<std::string> backends, inputs;
  WeightsChoice weights;
  double tolerance = 1e-4;
  int device = -1;
};

struct Difference {
  double max_abs = 0, max_rel = 0;  // rel: |a - b| / max(1, |b|), as the tests measure
  int64_t at = -1;
};

Difference difference(const ir::Tensor& a, const ir::Tensor& b) {
  Difference d;
  for (int64_t i = 0; i < a.size(); ++i) {
    const double diff = std::abs(double(a[i]) - double(b[i]));
    const double rel = diff / std::max(1.0, std::abs(double(b[i])));
    if (std::isnan(diff) && !(std::isnan(a[i]) && std::isnan(b[i]))) {
      d.max_abs = d.max_rel = INFINITY, d.at = i;
      break;
    }
    if (rel > d.max_rel) d.max_rel = rel, d.at = i;
    d.max_abs = std::max(d.max_abs, diff);
  }
  return d;
}

std::vector<ir::Tensor> read_inputs(const ir::Graph& g, const std::vector<std::string>& files) {
  const auto nodes = g.input_nodes();
  if (files.size() != nodes.size())
    throw UsageError(fmt::format("model '{}' has {} input{}; give one file for each, in order",
                                 g.name, nodes.size(), nodes.size() == 1 ? "" : "s"));
  std::vector<ir::Tensor> out;
  for (size_t i = 0; i < nodes.size(); ++i)
    out.push_back(files[i].ends_with(".npy")
                      ? npy::read(files[i])
                      : load_image(files[i], g.node(nodes[i]).outputs.at(0)));
  return out;
}

int compare(CompareArgs a, GlobalOptions& global) {
  if (a.backends.size() != 2)
    throw UsageError("--backends takes two backends, e.g. --backends vulkan,reference");
  ir::Graph g = load_runnable_model(a.model, a.weights, global);
  const std::vector<ir::Tensor> inputs = read_inputs(g, a.inputs);
  // Every op's output becomes a graph output, in execution order.
  std::vector<ir::TensorRef> layers;
  for (ir::NodeId id : g.topological_order())
    if (g.node(id).kind == ir::NodeKind::Op) layers.push_back({id, 0});
  g.set_outputs(layers);

  Registry& reg = registry(global);
  std::vector<std::vector<ir::Tensor>> results;
  for (const std::string& name : a.backends) {
    backends::CompileOptions options;
    options.device = a.device;
    results.push_back(find_backend(reg, name).compile(g, options)->run(inputs));
  }
  std::cout << fmt::format("{} on {} against {}, tolerance {} (relative, at least 1 absolute):\n",
                           g.name, a.backends[0], a.backends[1], a.tolerance);
  std::cout << fmt::format("  {:<24} {:<16} {:>12} {:>12}\n", "layer", "op", "max abs", "max rel");
  std::string first_bad;
  for (size_t i = 0; i < layers.size(); ++i) {
    const ir::Node& n = g.node(layers[i].node);
    const Difference d = difference(results[0][i], results[1][i]);
    const bool bad = d.max_rel > a.tolerance;
    if (bad && first_bad.empty()) first_bad = n.name;
    std::cout << fmt::format("  {:<24} {:<16} {:>12.3g} {:>12.3g}{}\n", n.name, n.op, d.max_abs,
                             d.max_rel, bad ? fmt::format("  <- differs (element {})", d.at) : "");
  }
  if (first_bad.empty()) {
    std::cout << fmt::format("every layer agrees within {}\n", a.tolerance);
    return 0;
  }
  std::cout << fmt::format("first layer beyond the tolerance: {}\n", first_bad);
  return 1;
}

}  // namespace

void add_compare_command(CLI::App& app, GlobalOptions& global) {
  auto* cmd =
      app.add_subcommand("compare", "run a model on two backends and show each layer's difference");
  auto a = std::make_shared<CompareArgs>();
  a->weights.pipeline = "check";  // by default the layers as written: no folding or fusion
  cmd->add_option("model", a->model, "model file (.cnn)")->required();
  cmd->add_option("--backends", a->backends, "two backends, e.g. vulkan,reference")
      ->delimiter(',')
      ->required();
  cmd->add_option("--input,-i", a->inputs, "one .npy tensor or image per model input")->required();
  add_weights_options(*cmd, a->weights);
  cmd->add_option("--tolerance", a->tolerance,
                  "largest |a - b| / max(1, |b|) that counts as agreeing (default 1e-4)");
  cmd->add_option("--device", a->device, "device index for the vulkan backend (`cnnc devices`)");
  cmd->callback([a, &global] {
    if (int status = compare(*a, global); status != 0) throw ExitStatus{status};
  });
}

}  // namespace cnnc::cli
