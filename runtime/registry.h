// The registries everything registers into: ops, passes, backends and the
// reference kernels. Built-ins and plugins use the same API.
#pragma once

#include "backends/backend.h"
#include "backends/reference/kernel_table.h"
#include "ir/op_registry.h"
#include "passes/pass.h"

namespace cnnc {

struct Registry {
  ir::OpRegistry ops;
  passes::PassRegistry passes;
  backends::reference::KernelTable reference_kernels;
  backends::BackendRegistry backends;
};

// The process-wide registry, with every built-in registered on first use.
Registry& global_registry();

}  // namespace cnnc
