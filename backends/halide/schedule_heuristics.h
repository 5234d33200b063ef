// The default schedule of a kernel: a template and its parameters picked
// from the anchor's shapes and the target's vector width and register
// count (AVX2 + FMA: 8 floats and 16 registers; AVX-512: 16 and 32;
// arm-64 NEON: 4 and 32). Register tiles hold as many accumulators as the
// registers allow after the operands, with the least work wasted on tile
// overlap at the edges.
#pragma once

#include <string>

#include "backends/halide/kernel_desc.h"
#include "backends/halide/schedule.h"

namespace cnnc::backends::halide {

struct TargetTraits {
  int vector_width = 8;  // floats
  int registers = 16;    // vector registers
};

// From a Halide target string such as "x86-64-linux-avx-avx2-fma-f16c-sse41".
TargetTraits target_traits(const std::string& target);

// `option`: "" for the heuristic, or "auto:adams2019" / "auto:mullapudi2016"
// / "auto:li2018" for Halide's autoschedulers. Throws std::invalid_argument
// for another option.
Schedule choose_schedule(const KernelDesc& kernel, const std::string& target,
                         const std::string& option);

}  // namespace cnnc::backends::halide
