// The conformance sweep (tests/backends/sweep.h) with the Vulkan backend
// under test, on this machine's default device (lavapipe in CI) with the
// Khronos validation layer on: a run during which it says anything fails.
#pragma once

#include <cstdlib>

#include "backends/vulkan/vulkan_backend.h"
#include "tests/backends/sweep.h"

namespace cnnc::vulkan_test {

using test_util::Attrs;
using test_util::Ints;
using test_util::N;

class Sweep : public test_util::Sweep {
 public:
  Sweep(std::string name, int64_t batch, uint32_t seed)
      : test_util::Sweep(std::move(name), batch, seed, [](const ir::OpRegistry& ops) {
          ::setenv("CNNC_VULKAN_VALIDATION", "1", 1);  // read when the backend opens the device
          return backends::vulkan::make_vulkan_backend(ops);
        }) {}
};

}  // namespace cnnc::vulkan_test
