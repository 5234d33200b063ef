#version 450
#extension GL_GOOGLE_include_directive : require
// Same-shape add (op 0) or mul (op 1), elementwise.
layout(local_size_x_id = 0) in;
#include "invocation.glsl"
layout(std430, set = 0, binding = 0) readonly buffer A { float a[]; };
layout(std430, set = 0, binding = 1) readonly buffer B { float b[]; };
layout(std430, set = 0, binding = 2) writeonly buffer Output { float y[]; };
layout(push_constant) uniform Push { uint count; uint op; } push;

void main() {
  const uint i = invocation_index();
  if (i < push.count) y[i] = push.op == 0u ? a[i] + b[i] : a[i] * b[i];
}
