#version 450
#extension GL_GOOGLE_include_directive : require
// Convolution as an implicit GEMM, and dense layers, in shared-memory
// tiles: C[m, p] = sum_r A[m, r] B[r, p] with
//   convolution (mode 0): m an output channel of group z, r = (ci, ty, tx)
//     of the group's input channels and taps, p = (b, oy, ox); B gathered
//     from the input (im2col on the fly, zero outside: every window option);
//   dense (mode 1): m a unit, r a feature, p an item of the batch;
//   a convolution's weight gradient (mode 2, x holding dy, w the input): m an output
//     channel of group z, p = (ci, ty, tx), r = (b, oy, ox), no bias.
// A workgroup computes a TM x TN block of C: each step it stages TK-deep
// slices of A and B in shared memory, then every invocation accumulates an
// RM x RN block of registers from them. Tile sizes are specialization
// constants: the autotuner's search space (KernelChoice::GemmTiles).
layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint TM = 64;
layout(constant_id = 2) const uint TN = 64;
layout(constant_id = 3) const uint TK = 16;
layout(constant_id = 4) const uint RM = 4;
layout(constant_id = 5) const uint RN = 4;

layout(std430, set = 0, binding = 0) readonly buffer Input { float x[]; };
layout(std430, set = 0, binding = 1) readonly buffer Weight { float w[]; };
layout(std430, set = 0, binding = 2) readonly buffer Bias { float bias[]; };
layout(std430, set = 0, binding = 3) writeonly buffer Output { float y[]; };
layout(push_constant) uniform Push {
  uint mode, n, c, h, w, k, oh, ow, kh, kw;
  uint sh, sw, ph, pw, dh, dw, groups, has_bias, act;
  float alpha;
} p;

#include "activate.glsl"

float finish(float v, uint channel, uint index) { return v; }

#include "gemm.glsl"
