#version 450
#extension GL_GOOGLE_include_directive : require
// dense: y[n, u] = act(bias[u] + sum_f x[n, f] W[u, f]), one invocation per
// output (the naive kernel; the tiled matrix kernel comes next).
layout(local_size_x_id = 0) in;
#include "invocation.glsl"
layout(std430, set = 0, binding = 0) readonly buffer Input { float x[]; };
layout(std430, set = 0, binding = 1) readonly buffer Weight { float w[]; };
layout(std430, set = 0, binding = 2) readonly buffer Bias { float bias[]; };
layout(std430, set = 0, binding = 3) writeonly buffer Output { float y[]; };
layout(push_constant) uniform Push {
  uint batch; uint features; uint units; uint has_bias; uint act; float alpha;
} push;

#include "activate.glsl"

void main() {
  const uint i = invocation_index();
  if (i >= push.batch * push.units) return;
  const uint n = i / push.units, u = i % push.units;
  float sum = push.has_bias != 0u ? bias[u] : 0.0;
  for (uint f = 0u; f < push.features; ++f) sum += x[n * push.features + f] * w[u * push.features + f];
  y[i] = activate(sum, push.act, push.alpha);
}
