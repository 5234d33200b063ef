// `cnnc format MODEL`: the canonical text of a model (blocks expanded).
#include <iostream>

#include "ir/text_printer.h"
#include "tools/cnnc/command.h"

namespace cnnc::cli {

void add_format_command(CLI::App& app, GlobalOptions& global) {
  auto* cmd = app.add_subcommand(
      "format", "print the model in canonical form: blocks expanded, every layer named");
  auto path = std::make_shared<std::string>();
  cmd->add_option("model", *path, "model file (.cnn)")->required();
  cmd->callback([=, &global] {
    Registry& reg = registry(global);
    std::cout << ir::print_model(parse_model_file(*path, reg), reg.ops);
  });
}

}  // namespace cnnc::cli
