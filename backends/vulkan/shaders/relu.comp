#version 450
#extension GL_GOOGLE_include_directive : require
// relu over a flat array: y[i] = max(x[i], 0). One invocation per element;
// the element count arrives as a push constant.
layout(local_size_x_id = 0) in;  // the workgroup size, a specialization constant
#include "invocation.glsl"

layout(std430, set = 0, binding = 0) readonly buffer Input { float x[]; };
layout(std430, set = 0, binding = 1) writeonly buffer Output { float y[]; };
layout(push_constant) uniform Push { uint count; } push;

void main() {
  const uint i = invocation_index();
  if (i < push.count) y[i] = max(x[i], 0.0);
}
