#version 450
#extension GL_GOOGLE_include_directive : require
// conv_grad_input of conv1d/2d/3d (1-D and 2-D as 3-D with leading size-1
// axes): each invocation gathers one dx element from the dy entries whose
// window taps reach it, so no two invocations write the same element (no
// float atomics). Then, for a folded activation_grad, dx *= act'(x) with x
// that activation's output.
layout(local_size_x_id = 0) in;
layout(std430, set = 0, binding = 0) readonly buffer OutputGrad { float dy[]; };
layout(std430, set = 0, binding = 1) readonly buffer Weight { float w[]; };
layout(std430, set = 0, binding = 2) readonly buffer Input { float x[]; };
layout(std430, set = 0, binding = 3) writeonly buffer InputGrad { float dx[]; };
layout(push_constant) uniform Push {
  uint n, c;
  uint in_size[3];
  uint k;
  uint out_size[3];
  uint kernel[3];
  uint stride[3];
  uint pad[3];  // at the beginning of each axis
  uint dilation[3];
  uint groups, act;
  float alpha;
} p;

#include "activate_grad.glsl"

// The output positions along `axis` whose tap t reaches input position i:
// o * stride - pad + t * dilation = i. Returns -1 when no o does.
int output_of(uint axis, uint i, uint t) {
  const int num = int(i + p.pad[axis]) - int(t * p.dilation[axis]);
  if (num < 0 || num % int(p.stride[axis]) != 0) return -1;
  const int o = num / int(p.stride[axis]);
  return o < int(p.out_size[axis]) ? o : -1;
}

void main() {
  const uint spatial = p.in_size[0] * p.in_size[1] * p.in_size[2];
  const uint out_spatial = p.out_size[0] * p.out_size[1] * p.out_size[2];
  const uint taps = p.kernel[0] * p.kernel[1] * p.kernel[2];
  const uint cg = p.c / p.groups, kg = p.k / p.groups;
  const uint count = p.n * p.c * spatial;
  const uint step = gl_NumWorkGroups.x * gl_WorkGroupSize.x;
  for (uint i = gl_GlobalInvocationID.x; i < count; i += step) {
    const uint ix = i % p.in_size[2], iy = (i / p.in_size[2]) % p.in_size[1];
    const uint iz = (i / (p.in_size[2] * p.in_size[1])) % p.in_size[0];
    const uint ch = (i / spatial) % p.c, b = i / (spatial * p.c);
    const uint k0 = (ch / cg) * kg, ci = ch % cg;
    float acc = 0.0;
    for (uint tz = 0u; tz < p.kernel[0]; ++tz) {
      const int oz = output_of(0u, iz, tz);
      if (oz < 0) continue;
      for (uint ty = 0u; ty < p.kernel[1]; ++ty) {
        const int oy = output_of(1u, iy, ty);
        if (oy < 0) continue;
        for (uint tx = 0u; tx < p.kernel[2]; ++tx) {
          const int ox = output_of(2u, ix, tx);
          if (ox < 0) continue;
          const uint o = (uint(oz) * p.out_size[1] + uint(oy)) * p.out_size[2] + uint(ox);
          const uint tap = (tz * p.kernel[1] + ty) * p.kernel[2] + tx;
          for (uint j = 0u; j < kg; ++j) {
            const uint kk = k0 + j;
            acc += dy[(b * p.k + kk) * out_spatial + o] * w[(kk * cg + ci) * taps + tap];
          }
        }
      }
    }
    dx[i] = acc * activation_derivative(x[i], p.act, p.alpha);
  }
}
