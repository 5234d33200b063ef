#version 450
#extension GL_GOOGLE_include_directive : require
// sum_to_channels and sum_to_shape: x seen as up to 8 axes (the host merges
// neighbouring axes of one kind and drops those of extent 1), each kept (an
// axis of the output) or summed; the output's elements run over the kept
// axes in order. The terms of an output, p.terms of them, are shared by
// p.lanes invocations (reduce_lanes.glsl). Binding 1 is sum_to_shape's
// `like` input, whose data it does not read.
layout(local_size_x_id = 0) in;
layout(std430, set = 0, binding = 0) readonly buffer Input { float x[]; };
layout(std430, set = 0, binding = 2) writeonly buffer Output { float result[]; };
layout(push_constant) uniform Push {
  uint axes;
  uint extent[8];
  uint kept;  // bit a: axis a is an axis of the output
  uint outputs, terms, lanes;
} p;

uint base;  // x's offset of the output's first term

// x's offset of `index` spread over the kept (kept true) or summed axes, last axis fastest.
uint offset_of(uint index, bool kept) {
  uint offset = 0u, stride = 1u;
  for (uint a = p.axes; a-- > 0u;) {
    if (((p.kept >> a) & 1u) == (kept ? 1u : 0u)) {
      offset += (index % p.extent[a]) * stride;
      index /= p.extent[a];
    }
    stride *= p.extent[a];
  }
  return offset;
}

void prepare(uint o) {
  base = offset_of(o, true);
}

float term(uint j) {
  return x[base + offset_of(j, false)];
}

#include "reduce_lanes.glsl"
