#version 450
#extension GL_GOOGLE_include_directive : require
// dW [oh, ow, k, c, kh, kw] of the locally connected layer, one weight
// element per invocation: dy at its output position times the input its
// tap reads, summed over the batch (0 for a tap in the padding).
layout(local_size_x_id = 0) in;
#include "invocation.glsl"
layout(std430, set = 0, binding = 0) readonly buffer OutputGrad { float dy[]; };
layout(std430, set = 0, binding = 1) readonly buffer Input { float x[]; };
layout(std430, set = 0, binding = 2) writeonly buffer WeightGrad { float dw[]; };

#include "local.glsl"

void main() {
  const uint i = invocation_index();
  if (i >= p.oh * p.ow * p.k * p.c * p.kh * p.kw) return;
  const uint s = i % p.kw, r = (i / p.kw) % p.kh, ci = (i / (p.kw * p.kh)) % p.c;
  const uint rest = i / (p.kw * p.kh * p.c);  // (oy * ow + ox) * k + ko
  const uint ko = rest % p.k, ox = (rest / p.k) % p.ow, oy = rest / (p.k * p.ow);
  const int iy = int(oy * p.sh + r) - int(p.ph), ix = int(ox * p.sw + s) - int(p.pw);
  float sum = 0.0;
  if (iy >= 0 && iy < int(p.h) && ix >= 0 && ix < int(p.w))
    for (uint b = 0u; b < p.n; ++b)
      sum += dy[((b * p.k + ko) * p.oh + oy) * p.ow + ox] *
             x[((b * p.c + ci) * p.h + uint(iy)) * p.w + uint(ix)];
  dw[i] = sum;
}
