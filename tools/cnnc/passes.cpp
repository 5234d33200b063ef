// `cnnc passes`: the registered passes and named pipelines, the names that
// --print-after and --disable-pass accept.
#include <fmt/format.h>

#include <iostream>

#include "tools/cnnc/command.h"

namespace cnnc::cli {

void add_passes_command(CLI::App& app, GlobalOptions& global) {
  auto* cmd = app.add_subcommand(
      "passes", "list the passes and pipelines (names for --print-after, --disable-pass)");
  cmd->callback([&global] {
    const auto& reg = registry(global).passes;
    std::cout << "passes:\n";
    for (const auto& n : reg.names())
      std::cout << fmt::format("  {:<22} {}\n", n, reg.find(n)->description);
    std::cout << "pipelines:\n";
    for (const auto& [name, p] : reg.pipelines())
      std::cout << fmt::format("  {:<22} {}\n  {:<22} = {}\n", name, p.second, "",
                               fmt::join(p.first, ", "));
  });
}

}  // namespace cnnc::cli
