#version 450
// softmax (log = 0) or log_softmax (log = 1) along the last axis of
// [rows, cols], one invocation per row, shifted by the row's maximum.
layout(local_size_x_id = 0) in;
layout(std430, set = 0, binding = 0) readonly buffer Input { float x[]; };
layout(std430, set = 0, binding = 1) writeonly buffer Output { float y[]; };
layout(push_constant) uniform Push { uint rows; uint cols; uint log_form; } push;

void main() {
  const uint r = gl_GlobalInvocationID.x;
  if (r >= push.rows) return;
  const uint base = r * push.cols;
  float m = x[base];
  for (uint c = 1u; c < push.cols; ++c) m = max(m, x[base + c]);
  float sum = 0.0;
  for (uint c = 0u; c < push.cols; ++c) sum += exp(x[base + c] - m);
  for (uint c = 0u; c < push.cols; ++c)
    y[base + c] = push.log_form != 0u ? x[base + c] - m - log(sum) : exp(x[base + c] - m) / sum;
}
