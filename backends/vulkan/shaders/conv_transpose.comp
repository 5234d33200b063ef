#version 450
#extension GL_GOOGLE_include_directive : require
// Transposed convolution over three spatial axes in gather form, one output
// element per invocation: output o receives input i through tap t where
// o = i * stride - pad + t * dilation, so each tap's input position is
// (o + pad - t * dilation) / stride when that divides exactly and lies in
// the input. Weight [C, K/groups, kd, kh, kw]; bias and `act=` as conv.
// The end padding and output_padding are implied by the output size.
layout(local_size_x_id = 0) in;
#include "invocation.glsl"
layout(std430, set = 0, binding = 0) readonly buffer Input { float x[]; };
layout(std430, set = 0, binding = 1) readonly buffer Weight { float w[]; };
layout(std430, set = 0, binding = 2) readonly buffer Bias { float bias[]; };
layout(std430, set = 0, binding = 3) writeonly buffer Output { float y[]; };

#include "window.glsl"

layout(push_constant) uniform Push {
  uint n, c, k, groups, has_bias, act;
  float alpha;
  WINDOW_FIELDS;
} p;

#include "activate.glsl"

// The input position tap t of an output position o reads along one axis,
// or -1 when o is not reached through t.
int source(uint o, uint t, uint stride, uint pad, uint dilation, uint extent) {
  const int num = int(o + pad) - int(t * dilation);
  if (num < 0 || num % int(stride) != 0) return -1;
  const int i = num / int(stride);
  return i < int(extent) ? i : -1;
}

void main() {
  const uint out_size = p.od * p.oh * p.ow, in_size = p.id * p.ih * p.iw;
  const uint i = invocation_index();
  if (i >= p.n * p.k * out_size) return;
  const uint pos = i % out_size;
  const uint ox = pos % p.ow, oy = (pos / p.ow) % p.oh, oz = pos / (p.ow * p.oh);
  const uint ko = (i / out_size) % p.k, b = i / (out_size * p.k);
  const uint cg = p.c / p.groups, kg = p.k / p.groups, taps = p.kd * p.kh * p.kw;
  const uint c0 = (ko / kg) * cg, kk = ko % kg;
  float sum = p.has_bias != 0u ? bias[ko] : 0.0;
  for (uint tz = 0u; tz < p.kd; ++tz) {
    const int iz = source(oz, tz, p.sd, p.pd, p.dd, p.id);
    if (iz < 0) continue;
    for (uint ty = 0u; ty < p.kh; ++ty) {
      const int iy = source(oy, ty, p.sh, p.ph, p.dh, p.ih);
      if (iy < 0) continue;
      for (uint tx = 0u; tx < p.kw; ++tx) {
        const int ix = source(ox, tx, p.sw, p.pw, p.dw, p.iw);
        if (ix < 0) continue;
        const uint at = (uint(iz) * p.ih + uint(iy)) * p.iw + uint(ix);
        const uint tap = (tz * p.kh + ty) * p.kw + tx;
        for (uint ci = 0u; ci < cg; ++ci)
          sum += x[(b * p.c + c0 + ci) * in_size + at] * w[((c0 + ci) * kg + kk) * taps + tap];
      }
    }
  }
  y[i] = activate(sum, p.act, p.alpha);
}
