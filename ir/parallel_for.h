// A parallel loop over independent items on plain threads, for the few
// places outside the kernels that have real work per item (compiling
// kernels, initializing parameters). The lowest layer holds it so every
// layer above can use the same one.
#pragma once

#include <cstddef>
#include <functional>

namespace cnnc::ir {

// Runs `work(i)` for every i in [0, n) on up to `workers` threads (the
// caller's included); waits for all, then rethrows the first exception.
void parallel_for(size_t n, unsigned workers, const std::function<void(size_t)>& work);

}  // namespace cnnc::ir
