#version 450
#extension GL_GOOGLE_include_directive : require
// pool_grad of max pooling with one window per plane (the global max pool,
// or any window whose output is 1 along every axis): the window's first
// maximum in row-major order, as the reference resolves ties, is found by
// one workgroup per plane together (a gather from every input of the
// plane would rescan the whole window per input), then the plane's dx is
// dy at that input and 0 elsewhere, times act'(x) for a folded
// activation_grad (x that activation's output).
layout(local_size_x_id = 0) in;
layout(std430, set = 0, binding = 0) readonly buffer Input { float x[]; };
layout(std430, set = 0, binding = 1) readonly buffer Output { float y[]; };
layout(std430, set = 0, binding = 2) readonly buffer OutputGrad { float dy[]; };
layout(std430, set = 0, binding = 3) writeonly buffer InputGrad { float dx[]; };
layout(push_constant) uniform Push {
  uint planes;
  uint in_size[3];
  uint kernel[3];
  uint pad_begin[3];
  uint dilation[3];
  uint act;
  float alpha;
} p;

#include "activate_grad.glsl"

const uint kNone = 0xffffffffu;  // no tap: sorts after every tap
shared float best_value[gl_WorkGroupSize.x];
shared uint best_tap[gl_WorkGroupSize.x];

// The plane offset of tap t (row-major over the kernel), or -1 outside the input.
int tap_position(uint t) {
  const uint tx = t % p.kernel[2], ty = (t / p.kernel[2]) % p.kernel[1];
  const uint tz = t / (p.kernel[2] * p.kernel[1]);
  const int iz = int(tz * p.dilation[0]) - int(p.pad_begin[0]);
  const int iy = int(ty * p.dilation[1]) - int(p.pad_begin[1]);
  const int ix = int(tx * p.dilation[2]) - int(p.pad_begin[2]);
  if (iz < 0 || iz >= int(p.in_size[0]) || iy < 0 || iy >= int(p.in_size[1]) || ix < 0 ||
      ix >= int(p.in_size[2]))
    return -1;
  return (iz * int(p.in_size[1]) + iy) * int(p.in_size[2]) + ix;
}

void main() {
  const uint size = gl_WorkGroupSize.x, lane = gl_LocalInvocationID.x;
  const uint spatial = p.in_size[0] * p.in_size[1] * p.in_size[2];
  const uint taps = p.kernel[0] * p.kernel[1] * p.kernel[2];
  // `plane` is the same for the whole workgroup: the barriers stay in uniform control flow.
  for (uint plane = gl_WorkGroupID.x; plane < p.planes; plane += gl_NumWorkGroups.x) {
    // Each lane's first maximum over its strided taps; positions grow with
    // the tap index, so the smallest tap index among equal values is the first.
    float value = 0.0;
    uint tap = kNone;
    for (uint t = lane; t < taps; t += size) {
      const int at = tap_position(t);
      if (at < 0) continue;
      const float v = x[plane * spatial + uint(at)];
      if (tap == kNone || v > value) {
        value = v;
        tap = t;
      }
    }
    best_value[lane] = value;
    best_tap[lane] = tap;
    barrier();
    // A tree over the workgroup (a power of two, as the backend's 64).
    for (uint s = size / 2u; s > 0u; s /= 2u) {
      if (lane < s) {
        const float v = best_value[lane + s];
        const uint t = best_tap[lane + s];
        const bool other_first = t != kNone && (best_tap[lane] == kNone || v > best_value[lane] ||
                                                (v == best_value[lane] && t < best_tap[lane]));
        if (other_first) {
          best_value[lane] = v;
          best_tap[lane] = t;
        }
      }
      barrier();
    }
    const int best = best_tap[0] == kNone ? -1 : tap_position(best_tap[0]);
    const float grad = dy[plane];
    for (uint i = lane; i < spatial; i += size) {
      const float g = int(i) == best ? grad : 0.0;
      dx[plane * spatial + i] = g * activation_derivative(x[plane * spatial + i], p.act, p.alpha);
    }
    barrier();  // the next plane's search overwrites best_tap[0]
  }
}
