#version 450
// sgd_velocity, elementwise: momentum v + grad + weight_decay param.
layout(local_size_x_id = 0) in;
layout(std430, set = 0, binding = 0) readonly buffer V { float v[]; };
layout(std430, set = 0, binding = 1) readonly buffer Grad { float grad[]; };
layout(std430, set = 0, binding = 2) readonly buffer Param { float param[]; };
layout(std430, set = 0, binding = 3) writeonly buffer Output { float y[]; };
layout(push_constant) uniform Push { uint count; float momentum; float decay; } p;

void main() {
  for (uint i = gl_GlobalInvocationID.x; i < p.count; i += gl_NumWorkGroups.x * gl_WorkGroupSize.x)
    y[i] = p.momentum * v[i] + (grad[i] + p.decay * param[i]);
}
