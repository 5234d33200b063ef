#version 450
#extension GL_GOOGLE_include_directive : require
// concat of up to 8 inputs along one axis: the output viewed as
// [outer, along, inner]; input k covers `extent[k]` positions of `along`.
layout(local_size_x_id = 0) in;
#include "invocation.glsl"
layout(std430, set = 0, binding = 0) readonly buffer In0 { float x0[]; };
layout(std430, set = 0, binding = 1) readonly buffer In1 { float x1[]; };
layout(std430, set = 0, binding = 2) readonly buffer In2 { float x2[]; };
layout(std430, set = 0, binding = 3) readonly buffer In3 { float x3[]; };
layout(std430, set = 0, binding = 4) readonly buffer In4 { float x4[]; };
layout(std430, set = 0, binding = 5) readonly buffer In5 { float x5[]; };
layout(std430, set = 0, binding = 6) readonly buffer In6 { float x6[]; };
layout(std430, set = 0, binding = 7) readonly buffer In7 { float x7[]; };
layout(std430, set = 0, binding = 8) writeonly buffer Output { float y[]; };
layout(push_constant) uniform Push { uint count; uint inner; uint along; uint extent[8]; } p;

float read_input(uint k, uint index) {
  switch (k) {
    case 0u: return x0[index];
    case 1u: return x1[index];
    case 2u: return x2[index];
    case 3u: return x3[index];
    case 4u: return x4[index];
    case 5u: return x5[index];
    case 6u: return x6[index];
    default: return x7[index];
  }
}

void main() {
  const uint i = invocation_index();
  if (i >= p.count) return;
  const uint in_pos = i % p.inner, a = (i / p.inner) % p.along, outer = i / (p.inner * p.along);
  uint k = 0u, start = 0u;
  while (a >= start + p.extent[k]) start += p.extent[k++];
  y[i] = read_input(k, (outer * p.extent[k] + (a - start)) * p.inner + in_pos);
}
