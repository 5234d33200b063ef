#version 450
// adam_moment, elementwise: beta m + (1 - beta) g^power, g = grad +
// weight_decay param.
layout(local_size_x_id = 0) in;
layout(std430, set = 0, binding = 0) readonly buffer M { float m[]; };
layout(std430, set = 0, binding = 1) readonly buffer Grad { float grad[]; };
layout(std430, set = 0, binding = 2) readonly buffer Param { float param[]; };
layout(std430, set = 0, binding = 3) writeonly buffer Output { float y[]; };
// one_minus_beta from the host's double, not 1 - beta rounded twice.
layout(push_constant) uniform Push {
  uint count;
  float beta;
  float one_minus_beta;
  float decay;
  uint power;
} p;

void main() {
  for (uint i = gl_GlobalInvocationID.x; i < p.count; i += gl_NumWorkGroups.x * gl_WorkGroupSize.x) {
    const float g = grad[i] + p.decay * param[i];
    y[i] = p.beta * m[i] + p.one_minus_beta * (p.power == 2u ? g * g : g);
  }
}
