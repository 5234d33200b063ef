#version 450
// softmax (log_form = 0) or log_softmax (1) along one axis: the input seen
// as [outer, extent, inner], an invocation per (outer, inner) row (rows
// past 65535 workgroups a dispatch further on), whose entries lie `inner`
// apart (neighbouring invocations read neighbouring words when inner > 1),
// shifted by the row's maximum.
layout(local_size_x_id = 0) in;
layout(std430, set = 0, binding = 0) readonly buffer Input { float x[]; };
layout(std430, set = 0, binding = 1) writeonly buffer Output { float y[]; };
layout(push_constant) uniform Push { uint rows; uint extent; uint inner; uint log_form; } p;

void softmax_row(uint r) {
  const uint o = r / p.inner, base = o * p.extent * p.inner + (r - o * p.inner);
  const uint end = base + p.extent * p.inner;
  float m = x[base];
  for (uint k = base + p.inner; k < end; k += p.inner) m = max(m, x[k]);
  float sum = 0.0;
  for (uint k = base; k < end; k += p.inner) sum += exp(x[k] - m);
  const float log_sum = log(sum);
  for (uint k = base; k < end; k += p.inner)
    y[k] = p.log_form != 0u ? x[k] - m - log_sum : exp(x[k] - m) / sum;
}

void main() {
  for (uint r = gl_GlobalInvocationID.x; r < p.rows; r += gl_NumWorkGroups.x * gl_WorkGroupSize.x)
    softmax_row(r);
}
