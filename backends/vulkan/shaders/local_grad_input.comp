#version 450
#extension GL_GOOGLE_include_directive : require
// dx of the locally connected layer in gather form, one dx element per
// invocation: input (iy, ix) reaches output (oy, ox) through tap (r, s)
// where iy = oy * sh - ph + r, so each tap names at most one output
// position, taken when the division is exact and it lies in dy.
layout(local_size_x_id = 0) in;
#include "invocation.glsl"
layout(std430, set = 0, binding = 0) readonly buffer OutputGrad { float dy[]; };
layout(std430, set = 0, binding = 1) readonly buffer Weight { float wt[]; };
// binding 2: x, bound for its shape only
layout(std430, set = 0, binding = 3) writeonly buffer InputGrad { float dx[]; };

#include "local.glsl"

void main() {
  const uint i = invocation_index();
  if (i >= p.n * p.c * p.h * p.w) return;
  const uint ix = i % p.w, iy = (i / p.w) % p.h, ci = (i / (p.w * p.h)) % p.c;
  const uint b = i / (p.w * p.h * p.c);
  const uint taps = p.c * p.kh * p.kw;
  float sum = 0.0;
  for (uint r = 0u; r < p.kh; ++r) {
    const int ny = int(iy + p.ph) - int(r);
    if (ny < 0 || ny % int(p.sh) != 0 || ny / int(p.sh) >= int(p.oh)) continue;
    const uint oy = uint(ny / int(p.sh));
    for (uint s = 0u; s < p.kw; ++s) {
      const int nx = int(ix + p.pw) - int(s);
      if (nx < 0 || nx % int(p.sw) != 0 || nx / int(p.sw) >= int(p.ow)) continue;
      const uint ox = uint(nx / int(p.sw));
      const uint tap = (ci * p.kh + r) * p.kw + s;
      for (uint ko = 0u; ko < p.k; ++ko)
        sum += dy[((b * p.k + ko) * p.oh + oy) * p.ow + ox] *
               wt[((oy * p.ow + ox) * p.k + ko) * taps + tap];
    }
  }
  dx[i] = sum;
}
