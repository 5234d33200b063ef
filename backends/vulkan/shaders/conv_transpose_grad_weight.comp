#version 450
#extension GL_GOOGLE_include_directive : require
// dW of the transposed convolution over three spatial axes, one weight
// element [c, kk, tap] per invocation: the sum over the batch and the input
// positions i of x[c, i] * dy[k0 + kk, i * stride - pad + tap * dilation],
// over the i whose output position lies in dy (computed per axis, so no
// iteration is wasted on taps landing in the cropped padding).
layout(local_size_x_id = 0) in;
#include "invocation.glsl"
layout(std430, set = 0, binding = 0) readonly buffer OutputGrad { float dy[]; };
layout(std430, set = 0, binding = 1) readonly buffer Input { float x[]; };
layout(std430, set = 0, binding = 2) writeonly buffer WeightGrad { float dw[]; };

#include "window.glsl"

// n, c (x's channels), k (dy's channels), groups; the window's `i*` fields
// are x's extents, `o*` dy's.
layout(push_constant) uniform Push {
  uint n, c, k, groups;
  WINDOW_FIELDS;
} p;

// The input positions [first, last) whose output position
// i * stride - pad + t * dilation lies in [0, out) along one axis.
ivec2 reaching(uint t, uint stride, uint pad, uint dilation, uint in_extent, uint out_extent) {
  const int q = int(pad) - int(t * dilation);  // i * stride must be in [q, q + out)
  const int s = int(stride);
  const int first = q <= 0 ? 0 : (q + s - 1) / s;
  const int top = q + int(out_extent) - 1;  // the largest i * stride allowed
  const int last = top < 0 ? 0 : min(int(in_extent), top / s + 1);
  return ivec2(first, max(first, last));
}

void main() {
  const uint kg = p.k / p.groups, cg = p.c / p.groups, taps = p.kd * p.kh * p.kw;
  const uint i = invocation_index();
  if (i >= p.c * kg * taps) return;
  const uint tap = i % taps, kk = (i / taps) % kg, c = i / (taps * kg);
  const uint tx = tap % p.kw, ty = (tap / p.kw) % p.kh, tz = tap / (p.kw * p.kh);
  const uint ko = (c / cg) * kg + kk;
  const ivec2 rz = reaching(tz, p.sd, p.pd, p.dd, p.id, p.od);
  const ivec2 ry = reaching(ty, p.sh, p.ph, p.dh, p.ih, p.oh);
  const ivec2 rx = reaching(tx, p.sw, p.pw, p.dw, p.iw, p.ow);
  const int shift_z = int(tz * p.dd) - int(p.pd), shift_y = int(ty * p.dh) - int(p.ph),
            shift_x = int(tx * p.dw) - int(p.pw);
  const uint in_size = p.id * p.ih * p.iw, out_size = p.od * p.oh * p.ow;
  float sum = 0.0;
  for (uint b = 0u; b < p.n; ++b) {
    const uint xbase = (b * p.c + c) * in_size, ybase = (b * p.k + ko) * out_size;
    for (int iz = rz.x; iz < rz.y; ++iz) {
      const uint oz = uint(iz * int(p.sd) + shift_z);
      for (int iy = ry.x; iy < ry.y; ++iy) {
        const uint oy = uint(iy * int(p.sh) + shift_y);
        for (int ix = rx.x; ix < rx.y; ++ix) {
          const uint ox = uint(ix * int(p.sw) + shift_x);
          sum += x[xbase + (uint(iz) * p.ih + uint(iy)) * p.iw + uint(ix)] *
                 dy[ybase + (oz * p.oh + oy) * p.ow + ox];
        }
      }
    }
  }
  dw[i] = sum;
}
