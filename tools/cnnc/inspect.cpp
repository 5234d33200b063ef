// `cnnc inspect MODEL`: a table of layers with output shapes, parameters and
// MACs, the totals and the peak activation memory; --json for scripts.
#include <fmt/format.h>

#include <iostream>
#include <nlohmann/json.hpp>

#include "passes/liveness.h"
#include "tools/cnnc/command.h"

namespace cnnc::cli {

namespace {

struct LayerRow {
  std::string name, op, shape;
  int64_t params = 0, state = 0, macs = 0;
};

std::string with_commas(int64_t v) {
  std::string s = std::to_string(v), out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (i && (s.size() - i) % 3 == 0) out += ',';
    out += s[i];
  }
  return out;
}

std::string human_bytes(int64_t b) {
  if (b >= (1 << 20)) return fmt::format("{:.2f} MiB", static_cast<double>(b) / (1 << 20));
  if (b >= (1 << 10)) return fmt::format("{:.1f} KiB", static_cast<double>(b) / (1 << 10));
  return fmt::format("{} B", b);
}

std::vector<LayerRow> rows_of(const ir::Graph& g, const ir::OpRegistry& ops) {
  std::vector<LayerRow> rows;
  for (auto id : g.topological_order()) {
    const auto& n = g.node(id);
    if (n.kind == ir::NodeKind::Param) continue;
    LayerRow row{n.name, n.kind == ir::NodeKind::Input ? "input" : n.op,
                 ir::to_string(n.outputs.at(0))};
    if (n.kind == ir::NodeKind::Op) {
      std::vector<ir::Shape> shapes;
      size_t data = 0;
      for (auto t : g.inputs_of(id)) {
        const auto& src = g.node(t.node);
        shapes.push_back(g.shape_of(t));
        if (src.kind == ir::NodeKind::Param) {
          (src.param.role == ir::ParamRole::Trainable ? row.params : row.state) +=
              src.outputs[0].elements_per_item();
        } else {
          ++data;
        }
      }
      const ir::OpDef* def = ops.find(n.op);
      if (def && def->macs) row.macs = def->macs(ir::OpContext{n.attrs, shapes, data}, n.outputs);
    }
    rows.push_back(row);
  }
  return rows;
}

void inspect(const std::string& path, int64_t batch, bool json, GlobalOptions& global) {
  Registry& reg = registry(global);
  ir::Graph g = parse_model_file(path, reg);
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
    for (const auto& r : rows)
      j["layers"].push_back({{"name", r.name},
                             {"op", r.op},
                             {"output_shape", r.shape},
                             {"params", r.params},
                             {"state", r.state},
                             {"macs", r.macs}});
    std::cout << j.dump(2) << "\n";
    return;
  }
  size_t wn = 5, wo = 2, ws = 12;
  for (const auto& r : rows) {
    wn = std::max(wn, r.name.size());
    wo = std::max(wo, r.op.size());
    ws = std::max(ws, r.shape.size());
  }
  std::cout << fmt::format("model {} ({})\n\n", g.name, path);
  std::cout << fmt::format("{:<{}}  {:<{}}  {:<{}}  {:>13}  {:>17}\n", "layer", wn, "op", wo,
                           "output shape", ws, "params", "MACs");
  std::cout << std::string(wn + wo + ws + 13 + 17 + 8, '-') << "\n";
  for (const auto& r : rows)
    std::cout << fmt::format("{:<{}}  {:<{}}  {:<{}}  {:>13}  {:>17}\n", r.name, wn, r.op, wo,
                             r.shape, ws, r.params || r.state ? with_commas(r.params) : "",
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
  cmd->add_option("model", *path, "model file (.cnn)")->required();
  cmd->add_option("--batch", *batch, "batch size for memory figures")->check(CLI::PositiveNumber);
  cmd->add_flag("--json", *json, "print JSON (total_params, total_macs, layers[...])");
  cmd->callback([=, &global] { inspect(*path, *batch, *json, global); });
}

}  // namespace cnnc::cli
