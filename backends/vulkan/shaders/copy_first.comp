#version 450
// The first of two inputs unchanged: reshape_like (the second input only
// gives the shape) and dropout at inference given its step counter.
layout(local_size_x_id = 0) in;
layout(std430, set = 0, binding = 0) readonly buffer Input { uint x[]; };
layout(std430, set = 0, binding = 2) writeonly buffer Output { uint y[]; };
layout(push_constant) uniform Push { uint count; } p;

void main() {
  for (uint i = gl_GlobalInvocationID.x; i < p.count; i += gl_NumWorkGroups.x * gl_WorkGroupSize.x)
    y[i] = x[i];
}
