#version 450
// dense_grad_input: dx[b, f] = sum over units u of dy[b, u] W[u, f]; one
// element per invocation, neighbours reading neighbouring columns of W.
layout(local_size_x_id = 0) in;
layout(std430, set = 0, binding = 0) readonly buffer OutputGrad { float dy[]; };
layout(std430, set = 0, binding = 1) readonly buffer Weight { float w[]; };
layout(std430, set = 0, binding = 2) writeonly buffer InputGrad { float dx[]; };
layout(push_constant) uniform Push { uint n, units, features; } p;

void main() {
  const uint step = gl_NumWorkGroups.x * gl_WorkGroupSize.x;
  for (uint i = gl_GlobalInvocationID.x; i < p.n * p.features; i += step) {
    const uint b = i / p.features, f = i % p.features;
    float acc = 0.0;
    for (uint u = 0u; u < p.units; ++u) acc += dy[b * p.units + u] * w[u * p.features + f];
    dx[i] = acc;
  }
}
