// The conformance sweep (tests/backends/sweep.h) with the Halide backend
// under test.
#pragma once

#include "backends/halide/halide_backend.h"
#include "tests/backends/sweep.h"

namespace cnnc::halide_test {

using test_util::Attrs;
using test_util::Ints;
using test_util::kCasesPerGraph;
using test_util::kTolerance;
using test_util::N;

class Sweep : public test_util::Sweep {
 public:
  Sweep(std::string name, int64_t batch, uint32_t seed)
      : test_util::Sweep(std::move(name), batch, seed, [](const ir::OpRegistry& ops) {
          return backends::halide::make_halide_backend(ops);
        }) {}
};

}  // namespace cnnc::halide_test
