// The reference backend: plain, obviously-correct loops in NCHW, one kernel
// per op, run in topological order. It is the oracle every other backend is
// tested against; it is meant to be trustworthy, not fast.
#pragma once

#include <memory>

#include "backends/backend.h"
#include "backends/reference/kernel_table.h"

namespace cnnc::backends::reference {

std::unique_ptr<Backend> make_reference_backend(const KernelTable& kernels);

}  // namespace cnnc::backends::reference
