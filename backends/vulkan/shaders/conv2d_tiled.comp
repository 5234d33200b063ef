#version 450
#extension GL_GOOGLE_include_directive : require
// 2-D convolution in register tiles: each invocation computes 8 output
// channels of one output pixel, so every input value it reads serves 8
// multiply-adds, and neighbouring invocations (neighbouring pixels, the
// same channels) read the same weights, which the device can broadcast.
// Same options and push constants as conv2d.comp.
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

const uint KT = 8u;  // output channels per invocation

#include "activate.glsl"

void main() {
  const uint tiles = (p.k + KT - 1u) / KT;
  const uint i = invocation_index();
  if (i >= p.n * tiles * p.oh * p.ow) return;
  const uint pixel = i % (p.oh * p.ow), ox = pixel % p.ow, oy = pixel / p.ow;
  const uint tile = (i / (p.oh * p.ow)) % tiles, b = i / (p.oh * p.ow * tiles);
  const uint k0 = tile * KT;
  const uint cg = p.c / p.groups, kg = p.k / p.groups;
  // A tile whose channels span two groups (kg not a multiple of 8) takes
  // each channel's own group below.
  float acc[KT];
  for (uint j = 0u; j < KT; ++j) acc[j] = (p.has_bias != 0u && k0 + j < p.k) ? bias[k0 + j] : 0.0;
  const bool one_group = (k0 / kg) == (min(k0 + KT, p.k) - 1u) / kg;
  for (uint ty = 0u; ty < p.kh; ++ty) {
    const int iy = int(oy * p.sh + ty * p.dh) - int(p.ph);
    if (iy < 0 || iy >= int(p.h)) continue;
    for (uint tx = 0u; tx < p.kw; ++tx) {
      const int ix = int(ox * p.sw + tx * p.dw) - int(p.pw);
      if (ix < 0 || ix >= int(p.w)) continue;
      if (one_group) {
        const uint c0 = (k0 / kg) * cg;
        for (uint ci = 0u; ci < cg; ++ci) {
          const float v = x[((b * p.c + c0 + ci) * p.h + uint(iy)) * p.w + uint(ix)];
          const uint wbase = (ci * p.kh + ty) * p.kw + tx, wstride = cg * p.kh * p.kw;
          for (uint j = 0u; j < KT; ++j)
            if (k0 + j < p.k) acc[j] += v * w[(k0 + j) * wstride + wbase];
        }
      } else {
        for (uint j = 0u; j < KT && k0 + j < p.k; ++j) {
          const uint c0 = ((k0 + j) / kg) * cg;
          for (uint ci = 0u; ci < cg; ++ci)
            acc[j] += x[((b * p.c + c0 + ci) * p.h + uint(iy)) * p.w + uint(ix)] *
                      w[(((k0 + j) * cg + ci) * p.kh + ty) * p.kw + tx];
        }
      }
    }
  }
  for (uint j = 0u; j < KT && k0 + j < p.k; ++j)
    y[((b * p.k + k0 + j) * p.oh + oy) * p.ow + ox] = activate(acc[j], p.act, p.alpha);
}
