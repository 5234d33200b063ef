#version 450
#extension GL_GOOGLE_include_directive : require
// A fusion group of elementwise layers as one kernel (a residual add and
// the activation after it, a batchnorm and its ReLU): the group's input
// `x` through the stages of epilogue.glsl, one output per invocation.
layout(local_size_x_id = 0) in;
#include "invocation.glsl"
layout(std430, set = 0, binding = 0) readonly buffer Input { float x[]; };
layout(std430, set = 0, binding = 1) readonly buffer Operand0 { float o0[]; };
layout(std430, set = 0, binding = 2) readonly buffer Operand1 { float o1[]; };
layout(std430, set = 0, binding = 3) readonly buffer Operand2 { float o2[]; };
layout(std430, set = 0, binding = 4) readonly buffer Operand3 { float o3[]; };
layout(std430, set = 0, binding = 5) readonly buffer Operand4 { float o4[]; };
layout(std430, set = 0, binding = 6) readonly buffer Operand5 { float o5[]; };
layout(std430, set = 0, binding = 7) readonly buffer Constants { uint k[]; };
layout(std430, set = 0, binding = 8) writeonly buffer Output { float y[]; };

// k[0..2]: count, channels, inner (elements per channel and item)
#define EPILOGUE 3u

#include "activate.glsl"
#include "epilogue.glsl"

void main() {
  const uint i = invocation_index();
  if (i >= k[0]) return;
  y[i] = epilogue(x[i], (i / k[2]) % k[1], i);
}
