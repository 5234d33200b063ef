// `cnnc inspect MODEL`: a table of layers with output shapes, parameters and
// MACs, the totals and the peak activation memory; --json for scripts.
// --pipeline shows the graph a backend compiles (a fused node's parameters
// and MACs are its body's).
#include <fmt/format.h>

#include <iostream>
#include <nlohmann/json.hpp>

#include "ir/cost.h"
#include "passes/liveness.h"
#include "tools/cnnc/command.h"
#include "tools/cnnc/units.h"

namespace cnnc::cli {

namespace {

struct LayerRow {
  std::string name, op, shape;
  std::string body;  // a fused node's members, "c1+relu1+p1"
  std::string op_column() const { return body.empty() ? op : op + ": " + body; }
  int64_t params = 0, state = 0, macs = 0;
};

std::vector<LayerRow> rows_of(const ir::Graph& g, const ir::OpRegistry& ops) {
  std::vector<LayerRow> rows;
  for (auto id : g.topological_order()) {
    const auto& n = g.node(id);
    if (n.kind == ir::NodeKind::Param) continue;
    ir::NodeCost cost = ir::node_cost(g, id, ops);
    rows.push_back({.name = n.name,
                    .op = n.kind == ir::NodeKind::Input ? "input" : n.op,
                    .shape = ir::to_string(n.outputs.at(0)),
                    .body = n.body ? n.body->name : "",
                    .params = cost.params,
                    .state = cost.state,
                    .macs = cost.macs});
  }
  return rows;
}

void inspect(const std::string& path, const std::string& pipeline, int64_t batch, bool json,
             GlobalOptions& global) {
  Registry& reg = registry(global);
  ir::Graph g;
  if (pipeline.empty()) {
    g = parse_model_file(path, reg);
  } else {
    ModelOptions options = model_options(global);
    options.pipeline = pipeline;
    g = load_model(path, reg, options);
  }
  auto rows = rows_of(g, reg.ops);
  int64_t params = 0, state = 0, macs = 0;
  for (const auto& r : rows) {
    params += r.params;
    state += r.state;
    macs += r.macs;
  }
  int64_t peak = passes::peak_activation_bytes(g, batch);
  if (json) {
    nlohmann::json j;
    j["model"] = g.name;
    j["file"] = path;
    j["batch"] = batch;
    j["total_params"] = params;
    j["total_state"] = state;
    j["total_macs"] = macs * batch;
    j["macs_per_item"] = macs;
    j["peak_activation_bytes"] = peak;
    j["layers"] = nlohmann::json::array();
    for (const auto& r : rows) {
      nlohmann::json layer = {{"name", r.name},     {"op", r.op},       {"output_shape", r.shape},
                              {"params", r.params}, {"state", r.state}, {"macs", r.macs}};
      if (!r.body.empty()) layer["body"] = r.body;
      j["layers"].push_back(std::move(layer));
    }
    std::cout << j.dump(2) << "\n";
    return;
  }
  size_t wn = 5, wo = 2, ws = 12;
  for (const auto& r : rows) {
    wn = std::max(wn, r.name.size());
    wo = std::max(wo, r.op_column().size());
    ws = std::max(ws, r.shape.size());
  }
  std::cout << fmt::format("model {} ({})\n\n", g.name, path);
  std::cout << fmt::format("{:<{}}  {:<{}}  {:<{}}  {:>13}  {:>17}\n", "layer", wn, "op", wo,
                           "output shape", ws, "params", "MACs");
  std::cout << std::string(wn + wo + ws + 13 + 17 + 8, '-') << "\n";
  for (const auto& r : rows)
    std::cout << fmt::format("{:<{}}  {:<{}}  {:<{}}  {:>13}  {:>17}\n", r.name, wn, r.op_column(),
                             wo, r.shape, ws, r.params || r.state ? with_commas(r.params) : "",
                             r.macs ? with_commas(r.macs) : "");
  std::cout << std::string(wn + wo + ws + 13 + 17 + 8, '-') << "\n";
  std::cout << fmt::format("layers:                  {}\n", rows.size());
  std::cout << fmt::format("trainable parameters:    {} ({})\n", with_commas(params),
                           human_bytes(params * 4));
  if (state) std::cout << fmt::format("state (running stats):   {}\n", with_commas(state));
  std::cout << fmt::format("MACs per image:          {} ({:.3f} GMAC)\n", with_commas(macs),
                           static_cast<double>(macs) / 1e9);
  std::cout << fmt::format("peak activation memory:  {} at batch {}\n", human_bytes(peak), batch);
}

}  // namespace

void add_inspect_command(CLI::App& app, GlobalOptions& global) {
  auto* cmd = app.add_subcommand(
      "inspect", "layer table: output shapes, parameters, MACs, peak activation memory");
  auto path = std::make_shared<std::string>();
  auto batch = std::make_shared<int64_t>(1);
  auto json = std::make_shared<bool>(false);
  auto pipeline = std::make_shared<std::string>();
  cmd->add_option("model", *path, "model file (.cnn)")->required();
  cmd->add_option("--pipeline", *pipeline,
                  "run a pass pipeline first, e.g. inference to see the fused kernels "
                  "(default: none, the layers as written)");
  cmd->add_option("--batch", *batch, "batch size for memory figures")->check(CLI::PositiveNumber);
  cmd->add_flag("--json", *json, "print JSON (total_params, total_macs, layers[...])");
  cmd->callback([=, &global] { inspect(*path, *pipeline, *batch, *json, global); });
}

}  // namespace cnnc::cli
