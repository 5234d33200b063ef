#version 450
#extension GL_GOOGLE_include_directive : require
// mse_loss, one workgroup: the mean of (prediction - target)^2 over every
// element, each invocation taking every 64th.
layout(local_size_x_id = 0) in;
layout(std430, set = 0, binding = 0) readonly buffer Prediction { float prediction[]; };
layout(std430, set = 0, binding = 1) readonly buffer Target { float target[]; };
layout(std430, set = 0, binding = 2) writeonly buffer Output { float loss[]; };
layout(push_constant) uniform Push { uint count; } p;

#include "workgroup_sum.glsl"

void main() {
  Sum2 acc = sum2_zero();
  for (uint i = gl_LocalInvocationID.x; i < p.count; i += gl_WorkGroupSize.x) {
    const float d = prediction[i] - target[i];
    sum2_add(acc, vec2(d * d, 0.0));
  }
  const float total = workgroup_sum(acc.sum).x;
  if (gl_LocalInvocationID.x == 0u) loss[0] = total / float(p.count);
}
