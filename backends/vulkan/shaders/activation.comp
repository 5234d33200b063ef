#version 450
#extension GL_GOOGLE_include_directive : require
// The standalone activations, elementwise: 0 none, 1 relu, 2 relu6,
// 3 leaky_relu, 4 tanh, 5 sigmoid, 6 elu (the reference's definitions).
layout(local_size_x_id = 0) in;
#include "invocation.glsl"
layout(std430, set = 0, binding = 0) readonly buffer Input { float x[]; };
layout(std430, set = 0, binding = 1) writeonly buffer Output { float y[]; };
layout(push_constant) uniform Push { uint count; uint act; float alpha; } push;

#include "activate.glsl"

void main() {
  const uint i = invocation_index();
  if (i < push.count) y[i] = activate(x[i], push.act, push.alpha);
}
