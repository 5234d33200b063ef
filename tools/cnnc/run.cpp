// PLACEHOLDER until the runtime I/O lands.
#include "tools/cnnc/command.h"
namespace cnnc::cli {
void add_run_command(CLI::App&, GlobalOptions&) {}
}  // namespace cnnc::cli
