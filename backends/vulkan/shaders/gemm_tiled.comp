#version 450
#extension GL_GOOGLE_include_directive : require
// Convolution as an implicit GEMM, and dense layers, in shared-memory
// tiles: C[m, p] = sum_r A[m, r] B[r, p] with
//   convolution (mode 0): m an output channel of group z, r = (ci, ty, tx)
//     of the group's input channels and taps, p = (b, oy, ox); B gathered
//     from the input (im2col on the fly, zero outside: every window option);
//   dense (mode 1): m a unit, r a feature, p an item of the batch.
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

shared float a_tile[TK * TM];
shared float b_tile[TK * TN];

void main() {
  const uint threads = (TM / RM) * (TN / RN);
  const uint tid = gl_LocalInvocationID.x;
  const uint row = tid / (TN / RN), col = tid % (TN / RN);
  const uint group = gl_WorkGroupID.z;
  const uint m0 = gl_WorkGroupID.y * TM, p0 = gl_WorkGroupID.x * TN;
  // The GEMM's sizes: M rows of A, P columns of B, R the reduction.
  const uint cg = p.c / p.groups, kg = p.k / p.groups, taps = p.kh * p.kw;
  const uint M = p.mode == 0u ? kg : p.k;
  const uint P = p.mode == 0u ? p.n * p.oh * p.ow : p.n;
  const uint R = p.mode == 0u ? cg * taps : p.c;

  float acc[RM][RN];
  for (uint i = 0u; i < RM; ++i)
    for (uint j = 0u; j < RN; ++j) acc[i][j] = 0.0;

  for (uint r0 = 0u; r0 < R; r0 += TK) {
    // A: weights, contiguous along r in both modes.
    for (uint e = tid; e < TK * TM; e += threads) {
      const uint mm = e / TK, rr = e % TK;
      const uint m = m0 + mm, r = r0 + rr;
      a_tile[rr * TM + mm] = (m < M && r < R) ? w[(group * kg + m) * R + r] : 0.0;
    }
    // B: the input, gathered.
    for (uint e = tid; e < TK * TN; e += threads) {
      const uint rr = e / TN, pp = e % TN;
      const uint r = r0 + rr, q = p0 + pp;
      float v = 0.0;
      if (r < R && q < P) {
        if (p.mode == 0u) {
          const uint ci = r / taps, tap = r % taps, ty = tap / p.kw, tx = tap % p.kw;
          const uint ox = q % p.ow, oy = (q / p.ow) % p.oh, b = q / (p.ow * p.oh);
          const int iy = int(oy * p.sh + ty * p.dh) - int(p.ph);
          const int ix = int(ox * p.sw + tx * p.dw) - int(p.pw);
          if (iy >= 0 && iy < int(p.h) && ix >= 0 && ix < int(p.w))
            v = x[((b * p.c + group * cg + ci) * p.h + uint(iy)) * p.w + uint(ix)];
        } else {
          v = x[q * p.c + r];
        }
      }
      b_tile[rr * TN + pp] = v;
    }
    barrier();
    for (uint rr = 0u; rr < TK; ++rr) {
      float a[RM], b[RN];
      for (uint i = 0u; i < RM; ++i) a[i] = a_tile[rr * TM + row * RM + i];
      for (uint j = 0u; j < RN; ++j) b[j] = b_tile[rr * TN + col * RN + j];
      for (uint i = 0u; i < RM; ++i)
        for (uint j = 0u; j < RN; ++j) acc[i][j] += a[i] * b[j];
    }
    barrier();
  }

  for (uint i = 0u; i < RM; ++i) {
    const uint m = m0 + row * RM + i;
    if (m >= M) continue;
    const uint channel = p.mode == 0u ? group * kg + m : m;
    const float add = p.has_bias != 0u ? bias[channel] : 0.0;
    for (uint j = 0u; j < RN; ++j) {
      const uint q = p0 + col * RN + j;
      if (q >= P) continue;
      const float v = activate(acc[i][j] + add, p.act, p.alpha);
      if (p.mode == 0u) {
        const uint pixel = q % (p.oh * p.ow), b = q / (p.oh * p.ow);
        y[(b * p.k + channel) * p.oh * p.ow + pixel] = v;
      } else {
        y[q * p.k + m] = v;
      }
    }
  }
}
