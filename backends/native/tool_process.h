// Running the system's compiler, assembler and archiver, as linking the
// kernel cache's libraries and `cnnc compile` do.
#pragma once

#include <string>
#include <vector>

namespace cnnc::backends::native {

// Runs `args` (argv[0] looked up in PATH) with its output captured; throws
// std::runtime_error saying `what` failed, with that output, or that the
// tool could not be started, followed by `missing_hint`.
void run_tool(const std::vector<std::string>& args, const std::string& what,
              const std::string& missing_hint = "");

// The C compiler: $CNNC_CC, else cc.
std::string c_compiler();

// What to do when the C compiler is missing.
inline constexpr const char* kInstallCompiler =
    "; install gcc (apt-get install gcc) or set CNNC_CC";

}  // namespace cnnc::backends::native
