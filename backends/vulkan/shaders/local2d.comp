#version 450
#extension GL_GOOGLE_include_directive : require
// The locally connected layer, one output element per invocation: conv's
// sum with the weight chosen by output position, bias [k, oh, ow].
layout(local_size_x_id = 0) in;
#include "invocation.glsl"
layout(std430, set = 0, binding = 0) readonly buffer Input { float x[]; };
layout(std430, set = 0, binding = 1) readonly buffer Weight { float wt[]; };
layout(std430, set = 0, binding = 2) readonly buffer Bias { float bias[]; };
layout(std430, set = 0, binding = 3) writeonly buffer Output { float y[]; };

#include "local.glsl"
#include "activate.glsl"

void main() {
  const uint i = invocation_index();
  if (i >= p.n * p.k * p.oh * p.ow) return;
  const uint ox = i % p.ow, oy = (i / p.ow) % p.oh, ko = (i / (p.ow * p.oh)) % p.k;
  const uint b = i / (p.ow * p.oh * p.k);
  const uint wbase = ((oy * p.ow + ox) * p.k + ko) * p.c * p.kh * p.kw;
  float sum = p.has_bias != 0u ? bias[i % (p.k * p.oh * p.ow)] : 0.0;
  for (uint ci = 0u; ci < p.c; ++ci)
    for (uint r = 0u; r < p.kh; ++r) {
      const int iy = int(oy * p.sh + r) - int(p.ph);
      if (iy < 0 || iy >= int(p.h)) continue;
      for (uint s = 0u; s < p.kw; ++s) {
        const int ix = int(ox * p.sw + s) - int(p.pw);
        if (ix < 0 || ix >= int(p.w)) continue;
        sum += x[((b * p.c + ci) * p.h + uint(iy)) * p.w + uint(ix)] *
               wt[wbase + (ci * p.kh + r) * p.kw + s];
      }
    }
  y[i] = activate(sum, p.act, p.alpha);
}
