#version 450
// slice: the input viewed as [outer, extent, inner], entries start ..
// start + length - 1 of the middle axis; the output is [outer, length,
// inner], so each outer index copies one contiguous block.
layout(local_size_x_id = 0) in;
layout(std430, set = 0, binding = 0) readonly buffer Input { uint x[]; };
layout(std430, set = 0, binding = 1) writeonly buffer Output { uint y[]; };
// block = length * inner, stride = extent * inner, offset = start * inner.
layout(push_constant) uniform Push { uint count; uint block; uint stride; uint offset; } p;

void main() {
  for (uint i = gl_GlobalInvocationID.x; i < p.count; i += gl_NumWorkGroups.x * gl_WorkGroupSize.x) {
    const uint o = i / p.block;
    y[i] = x[o * p.stride + p.offset + (i - o * p.block)];
  }
}
