#version 450
// The standalone activations, elementwise: 0 none, 1 relu, 2 relu6,
// 3 leaky_relu, 4 tanh, 5 sigmoid, 6 elu (the reference's definitions).
layout(local_size_x_id = 0) in;
layout(std430, set = 0, binding = 0) readonly buffer Input { float x[]; };
layout(std430, set = 0, binding = 1) writeonly buffer Output { float y[]; };
layout(push_constant) uniform Push { uint count; uint act; float alpha; } push;

float activate(float v, uint act, float alpha) {
  if (act == 1u) return max(v, 0.0);
  if (act == 2u) return clamp(v, 0.0, 6.0);
  if (act == 3u) return v > 0.0 ? v : alpha * v;
  if (act == 4u) return tanh(v);
  if (act == 5u) return 1.0 / (1.0 + exp(-v));
  if (act == 6u) return v > 0.0 ? v : alpha * (exp(v) - 1.0);
  return v;
}

void main() {
  const uint i = gl_GlobalInvocationID.x;
  if (i < push.count) y[i] = activate(x[i], push.act, push.alpha);
}
