#version 450
// sgd_step, elementwise: param - lr d, with g = grad + weight_decay param
// and d = g (direction 0: no momentum), v (1) or g + momentum v (2:
// Nesterov).
layout(local_size_x_id = 0) in;
layout(std430, set = 0, binding = 0) readonly buffer Param { float param[]; };
layout(std430, set = 0, binding = 1) readonly buffer Grad { float grad[]; };
layout(std430, set = 0, binding = 2) readonly buffer V { float v[]; };
layout(std430, set = 0, binding = 3) readonly buffer Lr { float lr[]; };
layout(std430, set = 0, binding = 4) writeonly buffer Output { float y[]; };
layout(push_constant) uniform Push {
  uint count;
  float momentum;
  float decay;
  uint direction;
} p;

void main() {
  const float rate = lr[0];
  for (uint i = gl_GlobalInvocationID.x; i < p.count; i += gl_NumWorkGroups.x * gl_WorkGroupSize.x) {
    const float g = grad[i] + p.decay * param[i];
    // v is only read where it is the velocity: without momentum it may be a placeholder.
    const float d = p.direction == 0u ? g : p.direction == 1u ? v[i] : g + p.momentum * v[i];
    y[i] = param[i] - rate * d;
  }
}
