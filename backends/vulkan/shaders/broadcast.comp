#version 450
#extension GL_GOOGLE_include_directive : require
// add (op 0) or mul (op 1) of 2 to 8 inputs with numpy-style broadcasting,
// one output element per invocation, combined left to right in float as
// the reference does. The output's dims (at most 8, row-major) are in
// dims0/dims1; bit d of input j's mask says it has dim d (the others it is
// broadcast along), so its strides follow from the dims and the mask.
// Unused input bindings hold a placeholder and are never read.
layout(local_size_x_id = 0) in;
#include "invocation.glsl"
layout(std430, set = 0, binding = 0) readonly buffer In0 { float in0[]; };
layout(std430, set = 0, binding = 1) readonly buffer In1 { float in1[]; };
layout(std430, set = 0, binding = 2) readonly buffer In2 { float in2[]; };
layout(std430, set = 0, binding = 3) readonly buffer In3 { float in3[]; };
layout(std430, set = 0, binding = 4) readonly buffer In4 { float in4[]; };
layout(std430, set = 0, binding = 5) readonly buffer In5 { float in5[]; };
layout(std430, set = 0, binding = 6) readonly buffer In6 { float in6[]; };
layout(std430, set = 0, binding = 7) readonly buffer In7 { float in7[]; };
layout(std430, set = 0, binding = 8) writeonly buffer Output { float y[]; };
layout(push_constant) uniform Push {
  uint count, op, inputs, rank;
  uvec4 dims0, dims1, masks0, masks1;
} p;

const uint kMaxInputs = 8u;

float load(uint j, uint at) {
  switch (j) {
    case 0u: return in0[at];
    case 1u: return in1[at];
    case 2u: return in2[at];
    case 3u: return in3[at];
    case 4u: return in4[at];
    case 5u: return in5[at];
    case 6u: return in6[at];
    default: return in7[at];
  }
}

uint dim(uint d) { return d < 4u ? p.dims0[d] : p.dims1[d - 4u]; }
uint mask(uint j) { return j < 4u ? p.masks0[j] : p.masks1[j - 4u]; }

void main() {
  const uint i = invocation_index();
  if (i >= p.count) return;
  uint offset[kMaxInputs], stride[kMaxInputs];
  for (uint j = 0u; j < kMaxInputs; ++j) {
    offset[j] = 0u;
    stride[j] = 1u;
  }
  uint rest = i;
  for (uint d = p.rank; d-- > 0u;) {
    const uint extent = dim(d), coord = rest % extent;
    rest /= extent;
    for (uint j = 0u; j < p.inputs; ++j)
      if ((mask(j) & (1u << d)) != 0u) {
        offset[j] += coord * stride[j];
        stride[j] *= extent;
      }
  }
  float acc = load(0u, offset[0]);
  for (uint j = 1u; j < p.inputs; ++j) {
    const float v = load(j, offset[j]);
    acc = p.op == 0u ? acc + v : acc * v;
  }
  y[i] = acc;
}
