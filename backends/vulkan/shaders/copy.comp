#version 450
#extension GL_GOOGLE_include_directive : require
// flatten and reshape: the same row-major data under another shape.
layout(local_size_x_id = 0) in;
#include "invocation.glsl"
layout(std430, set = 0, binding = 0) readonly buffer Input { float x[]; };
layout(std430, set = 0, binding = 1) writeonly buffer Output { float y[]; };
layout(push_constant) uniform Push { uint count; } push;

void main() {
  const uint i = invocation_index();
  if (i < push.count) y[i] = x[i];
}
