// `cnnc dot MODEL`: the graph in Graphviz DOT on stdout.
#include <iostream>

#include "ir/dot_printer.h"
#include "tools/cnnc/command.h"

namespace cnnc::cli {

void add_dot_command(CLI::App& app, GlobalOptions& global) {
  auto* cmd =
      app.add_subcommand("dot", "print the graph in Graphviz DOT (render with `dot -Tsvg`)");
  auto path = std::make_shared<std::string>();
  auto params = std::make_shared<bool>(false);
  auto fused = std::make_shared<bool>(false);
  cmd->add_option("model", *path, "model file (.cnn)")->required();
  cmd->add_flag("--params", *params, "draw parameters as their own nodes");
  cmd->add_flag(
      "--fused", *fused,
      "run the inference pipeline (which fuses) first: fused groups are drawn as clusters");
  cmd->callback([=, &global] {
    ir::Graph g;
    if (*fused) {
      ModelOptions options = model_options(global);
      options.pipeline = "inference";
      g = load_model(*path, registry(global), options);
    } else {
      g = parse_model_file(*path, registry(global));
    }
    std::cout << ir::print_dot(g, {.show_params = *params});
  });
}

}  // namespace cnnc::cli
