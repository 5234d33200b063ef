// `cnnc init MODEL -o weights.safetensors`: seeded He/Xavier initialization
// written as a weights file, named layer.weight, layer.bias, ...
#include <fmt/format.h>

#include <iostream>

#include "runtime/weights.h"
#include "tools/cnnc/command.h"

namespace cnnc::cli {

void add_init_command(CLI::App& app, GlobalOptions& global) {
  auto* cmd =
      app.add_subcommand("init", "write freshly initialized weights for a model (safetensors)");
  auto path = std::make_shared<std::string>();
  auto out = std::make_shared<std::string>();
  auto method = std::make_shared<std::string>("he");
  auto seed = std::make_shared<uint64_t>(0);
  cmd->add_option("model", *path, "model file (.cnn)")->required();
  cmd->add_option("-o,--output", *out, "weights file to write")->required();
  cmd->add_option("--init", *method, "he, xavier or zeros")
      ->check(CLI::IsMember({"he", "xavier", "zeros"}));
  cmd->add_option("--seed", *seed, "random seed");
  cmd->callback([=, &global] {
    ir::Graph g = parse_model_file(*path, registry(global));
    initialize_params(g, *method, *seed);
    save_weights(g, *out);
    std::cout << fmt::format("wrote {} parameter tensors of model {} to {}\n",
                             g.param_nodes().size(), g.name, *out);
  });
}

}  // namespace cnnc::cli
