#version 450
// batchnorm at inference: y = (x - mean[c]) / sqrt(var[c] + eps) * weight[c]
// + bias[c], c the channel (dim 1), `inner` elements per channel and item.
layout(local_size_x_id = 0) in;
layout(std430, set = 0, binding = 0) readonly buffer Input { float x[]; };
layout(std430, set = 0, binding = 1) readonly buffer Weight { float weight[]; };
layout(std430, set = 0, binding = 2) readonly buffer Bias { float bias[]; };
layout(std430, set = 0, binding = 3) readonly buffer Mean { float mean[]; };
layout(std430, set = 0, binding = 4) readonly buffer Var { float var_[]; };
layout(std430, set = 0, binding = 5) writeonly buffer Output { float y[]; };
layout(push_constant) uniform Push { uint count; uint channels; uint inner; float eps; } p;

void main() {
  for (uint i = gl_GlobalInvocationID.x; i < p.count; i += gl_NumWorkGroups.x * gl_WorkGroupSize.x) {
    const uint c = (i / p.inner) % p.channels;
    y[i] = (x[i] - mean[c]) * inversesqrt(var_[c] + p.eps) * weight[c] + bias[c];
  }
}
