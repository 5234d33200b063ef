#version 450
#extension GL_GOOGLE_include_directive : require
// Direct 2-D convolution, one invocation per output element (the naive
// kernel; the tiled one comes next): stride, padding (begin side given, the
// end implied by the output size), dilation, groups, bias and `act=`.
layout(local_size_x_id = 0) in;
#include "invocation.glsl"
layout(std430, set = 0, binding = 0) readonly buffer Input { float x[]; };
layout(std430, set = 0, binding = 1) readonly buffer Weight { float w[]; };
layout(std430, set = 0, binding = 2) readonly buffer Bias { float bias[]; };
layout(std430, set = 0, binding = 3) writeonly buffer Output { float y[]; };
layout(push_constant) uniform Push {
  uint n, c, h, w, k, oh, ow, kh, kw;
  uint sh, sw, ph, pw, dh, dw, groups, has_bias, act;
  float alpha;
} p;

#include "activate.glsl"

void main() {
  const uint i = invocation_index();
  if (i >= p.n * p.k * p.oh * p.ow) return;
  const uint ox = i % p.ow, oy = (i / p.ow) % p.oh, ko = (i / (p.ow * p.oh)) % p.k;
  const uint b = i / (p.ow * p.oh * p.k);
  const uint cg = p.c / p.groups, kg = p.k / p.groups, c0 = (ko / kg) * cg;
  float sum = p.has_bias != 0u ? bias[ko] : 0.0;
  for (uint ci = 0u; ci < cg; ++ci)
    for (uint ty = 0u; ty < p.kh; ++ty) {
      const int iy = int(oy * p.sh + ty * p.dh) - int(p.ph);
      if (iy < 0 || iy >= int(p.h)) continue;
      for (uint tx = 0u; tx < p.kw; ++tx) {
        const int ix = int(ox * p.sw + tx * p.dw) - int(p.pw);
        if (ix < 0 || ix >= int(p.w)) continue;
        sum += x[((b * p.c + c0 + ci) * p.h + uint(iy)) * p.w + uint(ix)] *
               w[((ko * cg + ci) * p.kh + ty) * p.kw + tx];
      }
    }
  y[i] = activate(sum, p.act, p.alpha);
}
