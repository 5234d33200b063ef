// `cnnc viz`: pictures of a model (runtime/visualize.h, runtime/plot.h).
//   viz filters MODEL --weights W --layer c1 -o filters.png
//   viz activations MODEL --weights W --input img.png --layer c2 -o maps.png
//   viz curves RUN_DIR -o curves.png
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <iostream>

#include "passes/dead_node_elimination.h"
#include "runtime/image.h"
#include "runtime/npy.h"
#include "runtime/plot.h"
#include "runtime/trainer.h"
#include "runtime/visualize.h"
#include "tools/cnnc/command.h"
#include "tools/cnnc/run_options.h"

namespace cnnc::cli {

namespace {

namespace fs = std::filesystem;

struct VizArgs {
  std::string model, layer, out, input;
  WeightsChoice weights{.pipeline = "check"};  // layers as written: nothing folded or fused
  viz::GridOptions grid;
  bool gray = false;
  BackendChoice backend{.name = "reference"};
  std::vector<float> mean, std;
  bool invert = false;
};

std::string quoted_list(const std::vector<std::string>& names) {
  std::vector<std::string> q;
  for (const auto& n : names) q.push_back("'" + n + "'");
  return fmt::format("{}", fmt::join(q, ", "));
}

// The layer (an op or input node) named `layer`; a UsageError naming close
// names otherwise.
ir::NodeId find_layer(const ir::Graph& g, const std::string& layer) {
  std::optional<ir::NodeId> id = g.find(layer);
  if (id && g.node(*id).kind != ir::NodeKind::Param) return *id;
  std::vector<std::string> layers;
  for (ir::NodeId n : g.topological_order())
    if (g.node(n).kind != ir::NodeKind::Param) layers.push_back(g.node(n).name);
  if (id) {
    const std::string owner = layer.substr(0, layer.rfind('.'));
    throw UsageError(fmt::format("'{}' is a parameter of model '{}', not a layer; try --layer {}",
                                 layer, g.name, owner));
  }
  const auto near = ir::closest_names(layer, layers);
  if (!near.empty())
    throw UsageError(fmt::format("model '{}' has no layer '{}'; did you mean {}?", g.name, layer,
                                 quoted_list(near)));
  const size_t shown = std::min<size_t>(layers.size(), 12);
  throw UsageError(fmt::format("model '{}' has no layer '{}'; its layers: {}{}", g.name, layer,
                               quoted_list({layers.begin(), layers.begin() + shown}),
                               shown < layers.size() ? ", ..." : ""));
}

void write_picture(const VizArgs& a, const ir::Tensor& picture, const viz::GridLayout& l,
                   const std::string& what) {
  write_png(a.out, picture, PixelScale::Clamp);
  std::cout << fmt::format(
      "wrote {} to {}: {} tile{} of {}x{} on {} row{} of {}, scale {}, {}x{} pixels\n", what, a.out,
      l.tiles, l.tiles == 1 ? "" : "s", l.tile_height, l.tile_width, l.rows, l.rows == 1 ? "" : "s",
      l.columns, l.scale, picture.shape()[2], picture.shape()[1]);
}

void filters(const VizArgs& a, GlobalOptions& global) {
  ir::Graph g = load_runnable_model(a.model, a.weights, global);
  const ir::NodeId layer = find_layer(g, a.layer);
  const ir::Node& node = g.node(layer);
  const ir::Node* weight = nullptr;
  if (node.kind == ir::NodeKind::Op)
    for (const ir::TensorRef& t : g.inputs_of(layer))
      if (g.node(t.node).kind == ir::NodeKind::Param && g.node(t.node).name == a.layer + ".weight")
        weight = &g.node(t.node);
  if (!weight) {
    std::vector<std::string> with;
    for (ir::NodeId p : g.param_nodes()) {
      const std::string& n = g.node(p).name;
      if (n.size() > 7 && n.ends_with(".weight")) with.push_back(n.substr(0, n.size() - 7));
    }
    throw UsageError(fmt::format("layer '{}' ({}) has no weight to draw; layers with weights: {}",
                                 a.layer, node.kind == ir::NodeKind::Op ? node.op : "an input",
                                 with.empty() ? "none" : quoted_list(with)));
  }
  const ir::Tensor& w = *weight->value;
  if (w.shape().rank() < 3 || w.shape().rank() > 5)
    throw UsageError(fmt::format(
        "layer '{}' is {}: its weight {} has no kernel to draw; filters draws convolutions "
        "(conv1d, conv2d, conv3d, conv_transpose2d)",
        a.layer, node.op, ir::to_string(w.shape())));
  viz::GridOptions grid = a.grid;
  if (grid.columns == 0) grid.columns = static_cast<int>(viz::filter_columns(w, a.gray));
  const std::vector<viz::Tile> tiles = viz::filter_tiles(w, a.gray);
  const ir::Tensor picture = viz::tile_grid(tiles, grid);
  write_picture(a, picture, viz::grid_layout(tiles, grid),
                fmt::format("{} filters of {} ({}, weight {}{})", w.shape()[0], a.layer, node.op,
                            ir::to_string(w.shape()), tiles[0].channels == 3 ? ", as RGB" : ""));
}

ir::Tensor read_input(const VizArgs& a, const ir::Graph& g) {
  const auto inputs = g.input_nodes();
  if (inputs.size() != 1)
    throw UsageError(
        fmt::format("model '{}' has {} inputs; viz activations feeds one", g.name, inputs.size()));
  const ir::Node& input = g.node(inputs[0]);
  const ir::Shape& shape = input.outputs.at(0);
  if (fs::path(a.input).extension() != ".npy")
    return load_image(a.input, shape, ImageOptions{a.mean, a.std, a.invert});
  ir::Tensor x = npy::read(a.input);
  if (x.shape() != shape.with_batch(1))
    throw UsageError(fmt::format("{} is {}, but model input '{}' takes one item {}", a.input,
                                 ir::to_string(x.shape()), input.name,
                                 ir::to_string(shape.with_batch(1))));
  return x;
}

void activations(const VizArgs& a, GlobalOptions& global) {
  Registry& reg = registry(global);
  backends::Backend& backend = find_backend(reg, a.backend.name);
  ir::Graph g = load_runnable_model(a.model, a.weights, global);
  const ir::NodeId layer = find_layer(g, a.layer);
  const ir::Tensor x = read_input(a, g);
  ir::Tensor map;
  if (g.node(layer).kind == ir::NodeKind::Input) {
    map = x;
  } else {
    g.set_outputs({ir::TensorRef{layer, 0}});
    passes::eliminate_dead_nodes(g);
    map = backend.compile(g, a.backend.compile_options())->run(std::span(&x, 1)).at(0);
  }
  const std::vector<viz::Tile> tiles = viz::feature_map_tiles(map);
  const ir::Tensor picture = viz::tile_grid(tiles, a.grid);
  write_picture(a, picture, viz::grid_layout(tiles, a.grid),
                fmt::format("{} feature map{} of {} {}", tiles.size(), tiles.size() == 1 ? "" : "s",
                            a.layer, ir::to_string(map.shape())));
}

void curves(const std::string& path, std::string out) {
  const bool dir = fs::is_directory(path);
  const std::string csv = dir ? (fs::path(path) / "metrics.csv").string() : path;
  if (out.empty()) out = (fs::path(csv).parent_path() / "curves.png").string();
  const std::vector<training::EpochMetrics> rows = training::read_metrics_csv(csv);
  training::plot_training_curves(rows, out);
  std::cout << fmt::format("wrote the curves of {} epoch{} to {}\n", rows.size(),
                           rows.size() == 1 ? "" : "s", out);
}

void add_grid_options(CLI::App& cmd, VizArgs& a) {
  cmd.add_option("--scale", a.grid.scale,
                 fmt::format("magnify each tile N times (default: tiles of at least {} pixels)",
                             viz::kAutoTilePixels))
      ->check(CLI::PositiveNumber);
  cmd.add_option("--columns", a.grid.columns, "tiles per row (default: about square)")
      ->check(CLI::PositiveNumber);
  cmd.add_flag("--shared-range", a.grid.shared_range,
               "one brightness scale for all tiles (default: each tile from its own min to max)");
}

void add_model_options(CLI::App& cmd, VizArgs& a) {
  cmd.add_option("model", a.model, "model file (.cnn)")->required();
  cmd.add_option("--weights,-w", a.weights.weights, "weights (safetensors)");
  cmd.add_option("--init", a.weights.init, "initialize weights instead: he, xavier or zeros")
      ->check(CLI::IsMember({"he", "xavier", "zeros"}));
  cmd.add_option("--seed", a.weights.seed, "seed for --init");
  cmd.add_option("--layer,-l", a.layer, "the layer, by name as in the model file")->required();
  cmd.add_option("--output,-o", a.out, "the PNG to write")->required();
  add_grid_options(cmd, a);
}

}  // namespace

void add_viz_command(CLI::App& app, GlobalOptions& global) {
  auto* viz = app.add_subcommand("viz", "draw filters, feature maps or training curves as PNG");
  viz->require_subcommand(1);

  auto f = std::make_shared<VizArgs>();
  auto* fc = viz->add_subcommand("filters", "draw a convolution's filters as a grid of tiles");
  add_model_options(*fc, *f);
  fc->add_flag("--gray", f->gray,
               "one gray tile per (filter, channel), even with 3 or more input channels");
  fc->callback([f, &global] { filters(*f, global); });

  auto m = std::make_shared<VizArgs>();
  auto* ac = viz->add_subcommand("activations", "draw a layer's feature maps for one input");
  add_model_options(*ac, *m);
  ac->add_option("--input,-i", m->input, "an image (PNG/JPEG/BMP) or a .npy tensor of one item")
      ->required();
  ac->add_option("--backend,-b", m->backend.name, "backend (default reference)");
  ac->add_option("--threads", m->backend.threads, "worker threads (default: every core)")
      ->check(CLI::PositiveNumber);
  ac->add_option("--mean", m->mean, "per-channel mean subtracted from the image");
  ac->add_option("--std", m->std, "per-channel standard deviation dividing the image");
  ac->add_flag("--invert", m->invert, "invert the image (v -> 1 - v)");
  ac->callback([m, &global] { activations(*m, global); });

  auto run = std::make_shared<std::string>();
  auto out = std::make_shared<std::string>();
  auto* cc = viz->add_subcommand("curves", "plot a training run's loss and accuracy per epoch");
  cc->add_option("run", *run, "run directory of `cnnc train`, or its metrics.csv")->required();
  cc->add_option("--output,-o", *out, "the PNG to write (default: curves.png beside metrics.csv)");
  cc->callback([run, out] { curves(*run, *out); });
}

}  // namespace cnnc::cli
