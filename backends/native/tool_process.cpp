#include "backends/native/tool_process.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

extern char** environ;

namespace cnnc::backends::native {

namespace fs = std::filesystem;

namespace {

std::string read_all(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

void run_tool(const std::vector<std::string>& args, const std::string& what,
              const std::string& missing_hint) {
  char log_template[] = "/tmp/cnnc-tool-XXXXXX";
  const int fd = mkstemp(log_template);
  if (fd < 0) throw std::runtime_error(fmt::format("{}: cannot make a log file", what));
  std::vector<std::string> owned = args;
  std::vector<char*> argv;
  for (auto& a : owned) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fd, STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, fd, STDERR_FILENO);
  pid_t pid = 0;
  const int spawned = posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  int status = 0;
  if (spawned == 0) waitpid(pid, &status, 0);
  close(fd);
  const std::string output = read_all(log_template);
  fs::remove(log_template);
  if (spawned != 0)
    throw std::runtime_error(fmt::format("{}: cannot run '{}': {}{}", what, args[0],
                                         std::strerror(spawned), missing_hint));
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throw std::runtime_error(
        fmt::format("{} failed ({}):\n{}", what, fmt::join(args, " "), output));
}

std::string c_compiler() {
  const char* cc = std::getenv("CNNC_CC");
  return cc && *cc ? cc : "cc";
}

}  // namespace cnnc::backends::native
