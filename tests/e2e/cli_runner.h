// How the end-to-end tests run the `cnnc` command: through the shell, with
// stdout and stderr together, and the exit status (128 + the signal for a
// killed process).
#pragma once

#include <sys/wait.h>

#include <cstdio>
#include <string>

namespace cnnc::e2e {

struct Result {
  int status = -1;
  std::string output;  // stdout and stderr
};

inline Result cnnc(const std::string& args) {
  const std::string cmd = std::string(CNNC_CLI) + " " + args + " 2>&1";
  Result r;
  FILE* pipe = popen(cmd.c_str(), "r");
  if (!pipe) return r;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) r.output.append(buf, n);
  const int raw = pclose(pipe);
  r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : 128 + WTERMSIG(raw);
  return r;
}

}  // namespace cnnc::e2e

#define EXPECT_HAS(text, part) \
  EXPECT_NE((text).find(part), std::string::npos) << "expected '" << (part) << "' in:\n" << (text)
