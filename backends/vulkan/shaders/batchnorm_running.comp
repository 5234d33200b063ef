#version 450
#extension GL_GOOGLE_include_directive : require
// batchnorm_running_mean (variance = 0) and batchnorm_running_var (1):
// (1 - momentum) old + momentum of the channel's batch mean, or its
// unbiased variance (m / (m - 1) times the biased one, as PyTorch); one
// workgroup per channel. Fewer than 2 elements per channel estimate no
// variance: NaN (the reference stops with an error).
layout(local_size_x_id = 0) in;
layout(std430, set = 0, binding = 0) readonly buffer Input { float x[]; };
layout(std430, set = 0, binding = 1) readonly buffer Old { float old[]; };
layout(std430, set = 0, binding = 2) writeonly buffer Output { uint y[]; };
// keep = 1 - momentum from the host's double.
layout(push_constant) uniform Push {
  uint batch;
  uint channels;
  uint plane;
  float momentum;
  float keep;
  uint variance;
} p;

#include "workgroup_sum.glsl"
#include "channel_stats.glsl"

void main() {
  const uint c = gl_WorkGroupID.x;
  float value = channel_mean(c);
  const uint m = p.batch * p.plane;
  if (p.variance != 0u) value = channel_variance(c, value) * (float(m) / float(m - 1u));
  if (gl_LocalInvocationID.x != 0u) return;
  // As bits: a NaN stored as a float may not survive every implementation.
  y[c] = p.variance != 0u && m < 2u ? 0x7FC00000u : floatBitsToUint(p.keep * old[c] + p.momentum * value);
}
