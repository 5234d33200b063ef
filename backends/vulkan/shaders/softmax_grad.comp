#version 450
// softmax_grad from the forward's output y, along one axis (the layout of
// softmax.comp): softmax dx = y (dy - sum(dy y)); log_softmax (log_form =
// 1) dx = dy - exp(y) sum(dy).
layout(local_size_x_id = 0) in;
layout(std430, set = 0, binding = 0) readonly buffer Y { float y[]; };
layout(std430, set = 0, binding = 1) readonly buffer Dy { float dy[]; };
layout(std430, set = 0, binding = 2) writeonly buffer Output { float dx[]; };
layout(push_constant) uniform Push { uint rows; uint extent; uint inner; uint log_form; } p;

void grad_row(uint r) {
  const uint o = r / p.inner, base = o * p.extent * p.inner + (r - o * p.inner);
  const uint end = base + p.extent * p.inner;
  const bool log_form = p.log_form != 0u;
  float sum = 0.0;
  for (uint k = base; k < end; k += p.inner) sum += log_form ? dy[k] : dy[k] * y[k];
  for (uint k = base; k < end; k += p.inner)
    dx[k] = log_form ? dy[k] - exp(y[k]) * sum : y[k] * (dy[k] - sum);
}

void main() {
  for (uint r = gl_GlobalInvocationID.x; r < p.rows; r += gl_NumWorkGroups.x * gl_WorkGroupSize.x)
    grad_row(r);
}
