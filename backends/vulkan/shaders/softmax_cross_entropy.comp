#version 450
#extension GL_GOOGLE_include_directive : require
// softmax_cross_entropy, one workgroup: the mean over the batch of
// log(sum(exp(row - max))) + max - row[label], each invocation taking
// every 64th row. A label that is not a class index makes the loss NaN
// (the reference stops with an error; a shader can only say it so).
layout(local_size_x_id = 0) in;
layout(std430, set = 0, binding = 0) readonly buffer Logits { float logits[]; };
layout(std430, set = 0, binding = 1) readonly buffer Labels { float labels[]; };
layout(std430, set = 0, binding = 2) writeonly buffer Output { uint loss[]; };
layout(push_constant) uniform Push { uint batch; uint classes; } p;

#include "workgroup_sum.glsl"

void main() {
  Sum2 acc = sum2_zero();  // x: the rows' losses, y: bad labels
  for (uint n = gl_LocalInvocationID.x; n < p.batch; n += gl_WorkGroupSize.x) {
    const float label = labels[n];
    if (!(label >= 0.0 && label < float(p.classes)) || label != floor(label)) {
      sum2_add(acc, vec2(0.0, 1.0));
      continue;
    }
    const uint base = n * p.classes;
    float m = logits[base];
    for (uint k = 1u; k < p.classes; ++k) m = max(m, logits[base + k]);
    float sum = 0.0;
    for (uint k = 0u; k < p.classes; ++k) sum += exp(logits[base + k] - m);
    sum2_add(acc, vec2(log(sum) + (m - logits[base + uint(label)]), 0.0));
  }
  const vec2 total = workgroup_sum(acc.sum);
  // As bits: a NaN stored as a float may not survive every implementation.
  if (gl_LocalInvocationID.x == 0u)
    loss[0] = total.y > 0.0 ? 0x7FC00000u : floatBitsToUint(total.x / float(p.batch));
}
