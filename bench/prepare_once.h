// A benchmark case's fixture (a compiled model, a oneDNN primitive), built
// once per case and process: Google Benchmark calls a benchmark's function
// several times while it settles the iteration count. A failure is kept and
// reported as a skip each time, never retried.
#pragma once

#include <benchmark/benchmark.h>

#include <exception>
#include <map>
#include <memory>
#include <string>

namespace cnnc::bench {

// The fixture of case `name`, built by `make` (which throws on failure) the
// first time; nullptr after skipping `state` when it could not be built.
template <typename T, typename Make>
T* prepare_once(benchmark::State& state, const std::string& name, Make make) {
  static std::map<std::string, std::unique_ptr<T>> prepared;
  static std::map<std::string, std::string> failed;
  if (auto it = failed.find(name); it != failed.end()) {
    state.SkipWithError(it->second.c_str());
    return nullptr;
  }
  auto& fixture = prepared[name];
  if (!fixture) {
    try {
      fixture = make();
    } catch (const std::exception& e) {
      failed[name] = e.what();
      prepared.erase(name);
      state.SkipWithError(failed[name].c_str());
      return nullptr;
    }
  }
  return fixture.get();
}

}  // namespace cnnc::bench
