#version 450
#extension GL_GOOGLE_include_directive : require
// dropout in training and dropout_grad: y = x / (1 - rate) where the mask
// of ir/ops/dropout_mask.h keeps element i, else 0. The key's constant
// part (seed and stream) comes from the host, the step from its buffer.
// Data moves as bits so nothing on the way flushes subnormals.
layout(local_size_x_id = 0) in;
layout(std430, set = 0, binding = 0) readonly buffer Input { uint x[]; };
layout(std430, set = 0, binding = 1) readonly buffer Step { float step_counter[]; };
layout(std430, set = 0, binding = 2) writeonly buffer Output { uint y[]; };
// The uvec2s first: they align to 8 bytes.
layout(push_constant) uniform Push {
  uvec2 stream_key;  // mix(mix(seed + gamma) ^ stream gamma)
  uvec2 threshold;   // ceil((1 - rate) 2^53)
  uvec2 scale_mant;  // 1 / (1 - rate) = scale_mant 2^scale_exp, scale_mant 53 bits
  uint count;
  int scale_exp;
} p;

#include "dropout_mask.glsl"

void main() {
  const uvec2 key = splitmix(p.stream_key ^ step_of(step_counter[0]));
  for (uint i = gl_GlobalInvocationID.x; i < p.count; i += gl_NumWorkGroups.x * gl_WorkGroupSize.x)
    y[i] = keep(key, i, p.threshold) ? scaled_bits(x[i], p.scale_mant, p.scale_exp) : 0u;
}
