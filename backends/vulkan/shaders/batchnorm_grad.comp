#version 450
#extension GL_GOOGLE_include_directive : require
// batchnorm_grad_input (mode bit 1 clear: inputs x, dy, weight,
// running_var) and batchnorm_grad_weight (bit 1 set: x, dy, running_mean,
// running_var), for a forward in training (bit 0 set: the batch's
// statistics, recomputed here) or at inference (the running ones). One
// workgroup per channel; with m elements per channel and xhat = (x - mean)
// inv_std:
//   dx = weight inv_std (dy - sum(dy) / m - xhat sum(dy xhat) / m)
//        (inference: weight inv_std dy)
//   d weight = sum(dy xhat)
layout(local_size_x_id = 0) in;
layout(std430, set = 0, binding = 0) readonly buffer Input { float x[]; };
layout(std430, set = 0, binding = 1) readonly buffer Dy { float dy[]; };
layout(std430, set = 0, binding = 2) readonly buffer Third { float third[]; };  // weight | running_mean
layout(std430, set = 0, binding = 3) readonly buffer RunningVar { float running_var[]; };
layout(std430, set = 0, binding = 4) writeonly buffer Output { float out_[]; };
layout(push_constant) uniform Push {
  uint batch;
  uint channels;
  uint plane;
  float eps;
  uint mode;
} p;

#include "workgroup_sum.glsl"
#include "channel_stats.glsl"

void main() {
  const uint c = gl_WorkGroupID.x;
  const bool training = (p.mode & 1u) != 0u, weight_grad = (p.mode & 2u) != 0u;
  float mean = 0.0, variance;
  if (training) {
    mean = channel_mean(c);
    variance = channel_variance(c, mean);
  } else {
    if (weight_grad) mean = third[c];
    variance = running_var[c];
  }
  const float inv_std = inversesqrt(variance + p.eps);
  if (!training && !weight_grad) {
    const float g = third[c] * inv_std;
    for (Walk it = walk_start(); it.n < p.batch; walk_next(it)) {
      const uint i = walk_index(it, c);
      out_[i] = g * dy[i];
    }
    return;
  }
  Sum2 acc = sum2_zero();
  for (Walk it = walk_start(); it.n < p.batch; walk_next(it)) {
    const uint i = walk_index(it, c);
    sum2_add(acc, vec2(dy[i], dy[i] * ((x[i] - mean) * inv_std)));
  }
  const vec2 sums = workgroup_sum(acc.sum);
  if (weight_grad) {
    if (gl_LocalInvocationID.x == 0u) out_[c] = sums.y;
    return;
  }
  const float g = third[c] * inv_std, m = channel_count();
  const float mean_dy = sums.x / m, mean_dy_xhat = sums.y / m;
  for (Walk it = walk_start(); it.n < p.batch; walk_next(it)) {
    const uint i = walk_index(it, c);
    out_[i] = g * (dy[i] - mean_dy - (x[i] - mean) * inv_std * mean_dy_xhat);
  }
}
