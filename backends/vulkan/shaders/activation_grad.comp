#version 450
#extension GL_GOOGLE_include_directive : require
// activation_grad: dx = dy * act'(x), from the activation's output y (the
// reference's derivative_from_output).
layout(local_size_x_id = 0) in;
layout(std430, set = 0, binding = 0) readonly buffer Output { float y[]; };
layout(std430, set = 0, binding = 1) readonly buffer OutputGrad { float dy[]; };
layout(std430, set = 0, binding = 2) writeonly buffer InputGrad { float dx[]; };
layout(push_constant) uniform Push { uint count, act; float alpha; } p;

#include "activate_grad.glsl"

void main() {
  // Invocations step over the elements: a large tensor needs no more workgroups than a device allows.
  const uint step = gl_NumWorkGroups.x * gl_WorkGroupSize.x;
  for (uint i = gl_GlobalInvocationID.x; i < p.count; i += step)
    dx[i] = dy[i] * activation_derivative(y[i], p.act, p.alpha);
}
