#version 450
#extension GL_GOOGLE_include_directive : require
// pool_grad of max (kind 0), average (1) and L2 (2) pooling over 1-3
// spatial axes (fewer as leading size-1 axes), with the reference's window
// rules (window_geometry.h's pool_window): each invocation gathers one dx
// element from the windows holding it, so no two write the same element.
// Max pooling sends a window's gradient to the first input holding its
// maximum in row-major order, found by scanning the window again; average
// pooling divides by the taps inside the input, or with count_include_pad
// by the window clipped to the padded input; L2 pooling scales by x / y, 0
// where y is 0. Then, for a folded activation_grad, dx *= act'(x) with x
// that activation's output.
layout(local_size_x_id = 0) in;
layout(std430, set = 0, binding = 0) readonly buffer Input { float x[]; };
layout(std430, set = 0, binding = 1) readonly buffer Output { float y[]; };
layout(std430, set = 0, binding = 2) readonly buffer OutputGrad { float dy[]; };
layout(std430, set = 0, binding = 3) writeonly buffer InputGrad { float dx[]; };
layout(push_constant) uniform Push {
  uint planes;
  uint in_size[3];
  uint out_size[3];
  uint kernel[3];
  uint stride[3];
  uint pad_begin[3];
  uint pad_end[3];
  uint dilation[3];
  uint kind, include_pad, act;
  float alpha;
} p;

#include "activate_grad.glsl"

// Where the window at output position o starts along `axis` (input coordinates).
int window_start(uint axis, int o) {
  return o * int(p.stride[axis]) - int(p.pad_begin[axis]);
}

// How many of that window's taps along `axis` lie inside the input.
int taps_inside(uint axis, int start) {
  const int d = int(p.dilation[axis]);
  const int first = start < 0 ? (-start + d - 1) / d : 0;
  const int last = min(int(p.kernel[axis]) - 1, (int(p.in_size[axis]) - 1 - start) / d);
  return max(last - first + 1, 0);
}

// The window's extent along `axis` clipped to the padded input.
int padded_extent(uint axis, int start) {
  const int end = min(start + (int(p.kernel[axis]) - 1) * int(p.dilation[axis]) + 1,
                      int(p.in_size[axis] + p.pad_end[axis]));
  return end - start;
}

// The plane offset of the first maximum of the window starting at `s`, -1 if
// no tap is inside the input.
int first_maximum(const uint plane, const ivec3 s) {
  int best = -1;
  float best_value = 0.0;
  for (uint tz = 0u; tz < p.kernel[0]; ++tz) {
    const int iz = s.x + int(tz * p.dilation[0]);
    if (iz < 0 || iz >= int(p.in_size[0])) continue;
    for (uint ty = 0u; ty < p.kernel[1]; ++ty) {
      const int iy = s.y + int(ty * p.dilation[1]);
      if (iy < 0 || iy >= int(p.in_size[1])) continue;
      for (uint tx = 0u; tx < p.kernel[2]; ++tx) {
        const int ix = s.z + int(tx * p.dilation[2]);
        if (ix < 0 || ix >= int(p.in_size[2])) continue;
        const int at = (iz * int(p.in_size[1]) + iy) * int(p.in_size[2]) + ix;
        const float v = x[plane + uint(at)];
        if (best < 0 || v > best_value) {
          best = at;
          best_value = v;
        }
      }
    }
  }
  return best;
}

// The first and last output positions along `axis` whose window has a tap
// at input position i (last < first when none).
ivec2 windows_holding(uint axis, uint i) {
  const int s = int(p.stride[axis]);
  const int num = int(i + p.pad_begin[axis]);
  const int reach = num - (int(p.kernel[axis]) - 1) * int(p.dilation[axis]);
  const int first = reach <= 0 ? 0 : (reach + s - 1) / s;
  return ivec2(first, min(num / s, int(p.out_size[axis]) - 1));
}

void main() {
  const uint spatial = p.in_size[0] * p.in_size[1] * p.in_size[2];
  const uint out_spatial = p.out_size[0] * p.out_size[1] * p.out_size[2];
  const uint step = gl_NumWorkGroups.x * gl_WorkGroupSize.x;
  for (uint i = gl_GlobalInvocationID.x; i < p.planes * spatial; i += step) {
    const uint at = i % spatial, plane = i / spatial;
    const uint ix = at % p.in_size[2], iy = (at / p.in_size[2]) % p.in_size[1];
    const uint iz = at / (p.in_size[2] * p.in_size[1]);
    const ivec2 rz = windows_holding(0u, iz), ry = windows_holding(1u, iy),
                rx = windows_holding(2u, ix);
    float acc = 0.0;
    for (int oz = rz.x; oz <= rz.y; ++oz) {
      const int sz = window_start(0u, oz);
      // Only the windows with a tap (not a position between taps) at i.
      if ((int(iz) - sz) % int(p.dilation[0]) != 0) continue;
      for (int oy = ry.x; oy <= ry.y; ++oy) {
        const int sy = window_start(1u, oy);
        if ((int(iy) - sy) % int(p.dilation[1]) != 0) continue;
        for (int ox = rx.x; ox <= rx.y; ++ox) {
          const int sx = window_start(2u, ox);
          if ((int(ix) - sx) % int(p.dilation[2]) != 0) continue;
          const uint o =
              plane * out_spatial + (uint(oz) * p.out_size[1] + uint(oy)) * p.out_size[2] + uint(ox);
          if (p.kind == 0u) {
            if (first_maximum(plane * spatial, ivec3(sz, sy, sx)) == int(at)) acc += dy[o];
          } else if (p.kind == 1u) {
            const int divisor =
                p.include_pad != 0u
                    ? padded_extent(0u, sz) * padded_extent(1u, sy) * padded_extent(2u, sx)
                    : taps_inside(0u, sz) * taps_inside(1u, sy) * taps_inside(2u, sx);
            acc += dy[o] / float(divisor);
          } else if (y[o] != 0.0) {
            acc += dy[o] * x[i] / y[o];
          }
        }
      }
    }
    dx[i] = acc * activation_derivative(x[i], p.act, p.alpha);
  }
}
