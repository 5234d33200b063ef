// cnnc: compile and run convolutional networks written in the .cnn language.
#include <fmt/format.h>

#include <iostream>

#include "frontend/diagnostics.h"
#include "runtime/plugin_loader.h"
#include "runtime/version.h"
#include "tools/cnnc/command.h"

namespace cnnc::cli {

Registry& registry(const GlobalOptions& global) {
  static bool loaded = false;
  Registry& r = global_registry();
  if (!loaded) {
    loaded = true;
    load_plugins_from_env(r);
    for (const auto& p : global.plugins) load_plugin(p, r);
  }
  return r;
}

ModelOptions model_options(const GlobalOptions& global) {
  ModelOptions o;
  o.passes.print_after.insert(global.print_after.begin(), global.print_after.end());
  o.passes.print_after_all = global.print_after_all;
  o.passes.disabled.insert(global.disabled_passes.begin(), global.disabled_passes.end());
  o.passes.dump = &std::cerr;
  return o;
}

}  // namespace cnnc::cli

int main(int argc, char** argv) {
  using namespace cnnc::cli;
  CLI::App app{"cnnc: a compiler-style runtime for convolutional neural networks"};
  app.set_version_flag("--version", std::string("cnnc ") + cnnc::version());
  app.require_subcommand(1);
  app.fallthrough();
  GlobalOptions global;
  app.add_option("--plugin", global.plugins,
                 "load a plugin shared library (repeatable; also CNNC_PLUGIN_PATH)");
  app.add_option("--print-after", global.print_after,
                 "print the IR after the named pass (repeatable)");
  app.add_flag("--print-after-all", global.print_after_all, "print the IR after every pass");
  app.add_option("--disable-pass", global.disabled_passes, "skip the named pass (repeatable)");
#define CNNC_ADD_COMMAND(name) add_##name##_command(app, global);
  CNNC_COMMANDS(CNNC_ADD_COMMAND)
#undef CNNC_ADD_COMMAND
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version exit 0; every usage error exits 2.
    return app.exit(e) == 0 ? 0 : 2;
  } catch (const ExitStatus& e) {
    return e.code;
  } catch (const cnnc::frontend::ModelError& e) {
    std::cerr << e.what();
    return 1;
  } catch (const UsageError& e) {
    std::cerr << "cnnc: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "cnnc: error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
