#version 450
// mse_loss_grad, elementwise: 2 (prediction - target) dloss / count.
layout(local_size_x_id = 0) in;
layout(std430, set = 0, binding = 0) readonly buffer Prediction { float prediction[]; };
layout(std430, set = 0, binding = 1) readonly buffer Target { float target[]; };
layout(std430, set = 0, binding = 2) readonly buffer Dloss { float dloss[]; };
layout(std430, set = 0, binding = 3) writeonly buffer Output { float dx[]; };
layout(push_constant) uniform Push { uint count; } p;

void main() {
  const float scale = 2.0 * dloss[0] / float(p.count);
  for (uint i = gl_GlobalInvocationID.x; i < p.count; i += gl_NumWorkGroups.x * gl_WorkGroupSize.x)
    dx[i] = (prediction[i] - target[i]) * scale;
}
