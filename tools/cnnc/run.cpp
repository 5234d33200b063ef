// `cnnc run MODEL --input ...`: one inference on images or .npy tensors,
// printing the top classes and/or writing the outputs as .npy.
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <numeric>

#include "runtime/image.h"
#include "runtime/npy.h"
#include "runtime/weights.h"
#include "tools/cnnc/command.h"
#include "tools/cnnc/run_options.h"

namespace cnnc::cli {

namespace {

struct RunOptions {
  std::string model, labels;
  WeightsChoice weights;
  BackendChoice backend;
  std::vector<std::string> inputs, outputs;
  int top = 0;
  std::vector<float> mean, std;
  bool invert = false;
};

bool is_npy(const std::string& path) {
  return std::filesystem::path(path).extension() == ".npy";
}

std::vector<ir::Tensor> read_inputs(const ir::Graph& g, const RunOptions& o) {
  auto nodes = g.input_nodes();
  ImageOptions image{o.mean, o.std, o.invert};
  if (nodes.size() == 1) {
    const ir::Shape& shape = g.node(nodes[0]).outputs.at(0);
    bool all_npy = std::all_of(o.inputs.begin(), o.inputs.end(), is_npy);
    if (all_npy && o.inputs.size() == 1) return {npy::read(o.inputs[0])};
    if (std::any_of(o.inputs.begin(), o.inputs.end(), is_npy))
      throw UsageError("give either one .npy tensor or one or more images for input '" +
                       g.node(nodes[0]).name + "'");
    return {load_images(o.inputs, shape, image)};
  }
  if (o.inputs.size() != nodes.size())
    throw UsageError(fmt::format("model '{}' has {} inputs; give one .npy file for each, in order",
                                 g.name, nodes.size()));
  std::vector<ir::Tensor> out;
  for (size_t i = 0; i < nodes.size(); ++i)
    out.push_back(is_npy(o.inputs[i])
                      ? npy::read(o.inputs[i])
                      : load_image(o.inputs[i], g.node(nodes[i]).outputs.at(0), image));
  return out;
}

std::vector<std::string> read_labels(const std::string& path) {
  std::vector<std::string> labels;
  if (path.empty()) return labels;
  std::ifstream in(path);
  if (!in) throw std::runtime_error(fmt::format("{}: cannot open labels file", path));
  for (std::string line; std::getline(in, line);) labels.push_back(line);
  return labels;
}

void print_top(const ir::Graph& g, size_t output_index, const ir::Tensor& t, int k,
               const std::vector<std::string>& labels) {
  const auto& shape = t.shape();
  std::string name = g.node(g.outputs()[output_index].node).name;
  if (shape.rank() != 2) {
    std::cout << fmt::format("{}: shape {} (not [N, classes]; use --output to save it)\n", name,
                             ir::to_string(shape));
    return;
  }
  int64_t n = shape[0], classes = shape[1];
  for (int64_t b = 0; b < n; ++b) {
    std::vector<int64_t> idx(static_cast<size_t>(classes));
    std::iota(idx.begin(), idx.end(), 0);
    auto row = t.data().subspan(static_cast<size_t>(b * classes), static_cast<size_t>(classes));
    size_t kk = std::min<size_t>(static_cast<size_t>(k), idx.size());
    std::partial_sort(idx.begin(), idx.begin() + static_cast<long>(kk), idx.end(),
                      [&](int64_t a, int64_t c) {
                        return row[static_cast<size_t>(a)] > row[static_cast<size_t>(c)];
                      });
    std::cout << fmt::format("{}[{}]:\n", name, b);
    for (size_t r = 0; r < kk; ++r) {
      auto c = static_cast<size_t>(idx[r]);
      std::string label = c < labels.size() ? "  " + labels[c] : "";
      std::cout << fmt::format("  {}. class {:>4}  {:.6f}{}\n", r + 1, c, row[c], label);
    }
  }
}

void run(RunOptions o, GlobalOptions& global) {
  if (o.inputs.empty()) throw UsageError("run needs --input (images or a .npy file)");
  backends::Backend& backend = find_backend(registry(global), o.backend.name);
  ir::Graph g = load_runnable_model(o.model, o.weights, global);
  auto inputs = read_inputs(g, o);
  auto exe = backend.compile(g, o.backend.compile_options());
  auto results = exe->run(inputs);
  if (!o.outputs.empty() && o.outputs.size() != results.size())
    throw UsageError(fmt::format("model '{}' has {} outputs; give --output once for each", g.name,
                                 results.size()));
  for (size_t i = 0; i < o.outputs.size(); ++i) {
    npy::write(o.outputs[i], results[i]);
    std::cout << fmt::format("wrote {} {} to {}\n", g.node(g.outputs()[i].node).name,
                             ir::to_string(results[i].shape()), o.outputs[i]);
  }
  if (o.top > 0 || o.outputs.empty()) {
    auto labels = read_labels(o.labels);
    for (size_t i = 0; i < results.size(); ++i)
      print_top(g, i, results[i], o.top > 0 ? o.top : 5, labels);
  }
}

}  // namespace

void add_run_command(CLI::App& app, GlobalOptions& global) {
  auto* cmd = app.add_subcommand("run", "run a model on images or .npy tensors");
  auto o = std::make_shared<RunOptions>();
  cmd->add_option("model", o->model, "model file (.cnn)")->required();
  cmd->add_option("--input,-i", o->inputs,
                  "input images (PNG/JPEG/BMP, one batch) or .npy tensors, one per model input");
  cmd->add_option("--output,-o", o->outputs, "write each model output as .npy");
  add_weights_options(*cmd, o->weights);
  cmd->add_option("--top", o->top,
                  "print the K highest-scoring classes per image (default 5 without --output)");
  cmd->add_option("--labels", o->labels, "text file with one class name per line");
  add_backend_options(*cmd, o->backend);
  cmd->add_option("--mean", o->mean,
                  "per-channel mean subtracted from images (after scaling to [0,1])");
  cmd->add_option("--std", o->std, "per-channel standard deviation dividing images");
  cmd->add_flag("--invert", o->invert,
                "invert images (v -> 1 - v), e.g. dark digits on white for MNIST models");
  cmd->callback([o, &global] { run(*o, global); });
}

}  // namespace cnnc::cli
