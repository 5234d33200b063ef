// `cnnc check MODEL`: parse, infer shapes and verify; every problem is
// reported, exit 1 if there is any.
#include <fmt/format.h>

#include <iostream>

#include "ir/verifier.h"
#include "tools/cnnc/command.h"

namespace cnnc::cli {

void add_check_command(CLI::App& app, GlobalOptions& global) {
  auto* cmd =
      app.add_subcommand("check", "parse, infer shapes and verify a model; report every problem");
  auto paths = std::make_shared<std::vector<std::string>>();
  cmd->add_option("models", *paths, "model files (.cnn)")->required();
  cmd->callback([=, &global] {
    Registry& reg = registry(global);
    size_t failed = 0;
    for (const auto& path : *paths) {
      try {
        ir::Graph g = parse_model_file(path, reg);
        auto problems = ir::verify(g, reg.ops);
        if (!problems.empty()) {
          for (const auto& p : problems) std::cerr << fmt::format("{}: error: {}\n", path, p);
          ++failed;
          continue;
        }
        size_t layers = 0;
        for (ir::NodeId id = 0; id < g.size(); ++id) layers += g.node(id).kind == ir::NodeKind::Op;
        std::cout << fmt::format("{}: ok (model {}, {} layers)\n", path, g.name, layers);
      } catch (const std::exception& e) {
        std::cerr << e.what();
        if (std::string_view(e.what()).empty() || std::string_view(e.what()).back() != '\n')
          std::cerr << "\n";
        ++failed;
      }
    }
    if (failed) throw ExitStatus{1};
  });
}

}  // namespace cnnc::cli
