#version 450
#extension GL_GOOGLE_include_directive : require
// batchnorm in training: each channel normalized with the batch's own mean
// and biased variance, y = (x - mean) / sqrt(var + eps) weight + bias; one
// workgroup per channel computes them and writes the channel. The running
// statistics (bindings 3 and 4) are not read.
layout(local_size_x_id = 0) in;
layout(std430, set = 0, binding = 0) readonly buffer Input { float x[]; };
layout(std430, set = 0, binding = 1) readonly buffer Weight { float weight[]; };
layout(std430, set = 0, binding = 2) readonly buffer Bias { float bias[]; };
layout(std430, set = 0, binding = 5) writeonly buffer Output { float y[]; };
layout(push_constant) uniform Push { uint batch; uint channels; uint plane; float eps; } p;

#include "workgroup_sum.glsl"
#include "channel_stats.glsl"

void main() {
  const uint c = gl_WorkGroupID.x;
  const float mean = channel_mean(c);
  const float inv_std = inversesqrt(channel_variance(c, mean) + p.eps);
  const float w = weight[c], b = bias[c];
  for (Walk it = walk_start(); it.n < p.batch; walk_next(it)) {
    const uint i = walk_index(it, c);
    y[i] = (x[i] - mean) * inv_std * w + b;
  }
}
