#version 450
// softmax_cross_entropy_grad, an invocation per batch row: (softmax(row) -
// onehot(label)) dloss / batch. A row whose label is not a class index is
// NaN, as its loss.
layout(local_size_x_id = 0) in;
layout(std430, set = 0, binding = 0) readonly buffer Logits { float logits[]; };
layout(std430, set = 0, binding = 1) readonly buffer Labels { float labels[]; };
layout(std430, set = 0, binding = 2) readonly buffer Dloss { float dloss[]; };
layout(std430, set = 0, binding = 3) writeonly buffer Output { uint dx[]; };
layout(push_constant) uniform Push { uint batch; uint classes; } p;

void grad_row(uint n) {
  const uint base = n * p.classes;
  const float label = labels[n];
  if (!(label >= 0.0 && label < float(p.classes)) || label != floor(label)) {
    for (uint k = 0u; k < p.classes; ++k) dx[base + k] = 0x7FC00000u;
    return;
  }
  const uint hot = uint(label);
  const float scale = dloss[0] / float(p.batch);
  float m = logits[base];
  for (uint k = 1u; k < p.classes; ++k) m = max(m, logits[base + k]);
  float sum = 0.0;
  for (uint k = 0u; k < p.classes; ++k) sum += exp(logits[base + k] - m);
  for (uint k = 0u; k < p.classes; ++k) {
    const float prob = exp(logits[base + k] - m) / sum;
    dx[base + k] = floatBitsToUint((prob - (k == hot ? 1.0 : 0.0)) * scale);
  }
}

void main() {
  for (uint n = gl_GlobalInvocationID.x; n < p.batch; n += gl_NumWorkGroups.x * gl_WorkGroupSize.x)
    grad_row(n);
}
