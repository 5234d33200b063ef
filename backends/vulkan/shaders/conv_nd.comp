#version 450
#extension GL_GOOGLE_include_directive : require
// conv1d and conv3d (and the ordinary convolution of dy that
// conv_transpose_grad_input is), over three spatial axes, in register tiles
// as conv2d_tiled.comp: each invocation computes 8 output channels of one
// output position, so each input value it reads serves 8 multiply-adds.
// Weight [K, C/groups, kd, kh, kw]; stride, padding, dilation, groups, bias
// and `act=`.
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

const uint KT = 8u;  // output channels per invocation

#include "activate.glsl"

void main() {
  const uint tiles = (p.k + KT - 1u) / KT;
  const uint out_size = p.od * p.oh * p.ow, in_size = p.id * p.ih * p.iw;
  const uint i = invocation_index();
  if (i >= p.n * tiles * out_size) return;
  const uint pos = i % out_size;
  const uint ox = pos % p.ow, oy = (pos / p.ow) % p.oh, oz = pos / (p.ow * p.oh);
  const uint tile = (i / out_size) % tiles, b = i / (out_size * tiles);
  const uint k0 = tile * KT;
  const uint cg = p.c / p.groups, kg = p.k / p.groups, taps = p.kd * p.kh * p.kw;
  float acc[KT];
  for (uint j = 0u; j < KT; ++j) acc[j] = (p.has_bias != 0u && k0 + j < p.k) ? bias[k0 + j] : 0.0;
  // A tile whose channels span two groups (kg not a multiple of 8, or
  // depthwise) takes each channel's own group below.
  const bool one_group = (k0 / kg) == (min(k0 + KT, p.k) - 1u) / kg;
  for (uint tz = 0u; tz < p.kd; ++tz) {
    const int iz = int(oz * p.sd + tz * p.dd) - int(p.pd);
    if (iz < 0 || iz >= int(p.id)) continue;
    for (uint ty = 0u; ty < p.kh; ++ty) {
      const int iy = int(oy * p.sh + ty * p.dh) - int(p.ph);
      if (iy < 0 || iy >= int(p.ih)) continue;
      for (uint tx = 0u; tx < p.kw; ++tx) {
        const int ix = int(ox * p.sw + tx * p.dw) - int(p.pw);
        if (ix < 0 || ix >= int(p.iw)) continue;
        const uint at = (uint(iz) * p.ih + uint(iy)) * p.iw + uint(ix);
        const uint tap = (tz * p.kh + ty) * p.kw + tx;
        if (one_group) {
          const uint c0 = (k0 / kg) * cg;
          for (uint ci = 0u; ci < cg; ++ci) {
            const float v = x[(b * p.c + c0 + ci) * in_size + at];
            for (uint j = 0u; j < KT; ++j)
              if (k0 + j < p.k) acc[j] += v * w[((k0 + j) * cg + ci) * taps + tap];
          }
        } else {
          for (uint j = 0u; j < KT && k0 + j < p.k; ++j) {
            const uint c0 = ((k0 + j) / kg) * cg;
            for (uint ci = 0u; ci < cg; ++ci)
              acc[j] += x[(b * p.c + c0 + ci) * in_size + at] * w[((k0 + j) * cg + ci) * taps + tap];
          }
        }
      }
    }
  }
  for (uint j = 0u; j < KT && k0 + j < p.k; ++j)
    y[(b * p.k + k0 + j) * out_size + pos] = activate(acc[j], p.act, p.alpha);
}
