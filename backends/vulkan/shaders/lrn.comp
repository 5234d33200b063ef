#version 450
#extension GL_GOOGLE_include_directive : require
// Local response normalization across channels, as the reference (PyTorch's
// LocalResponseNorm): y = x / (k + alpha / size * sum of x^2 over channels
// c - size/2 .. c + (size-1)/2, clipped)^beta. `inner`: elements per
// channel and item (1 for [N, C]).
layout(local_size_x_id = 0) in;
#include "invocation.glsl"
layout(std430, set = 0, binding = 0) readonly buffer Input { float x[]; };
layout(std430, set = 0, binding = 1) writeonly buffer Output { float y[]; };
layout(push_constant) uniform Push {
  uint count, channels, inner, size;
  float alpha, beta, k;
} p;

void main() {
  const uint i = invocation_index();
  if (i >= p.count) return;
  const int c = int((i / p.inner) % p.channels);
  const uint base = i - uint(c) * p.inner;  // channel 0 at this position
  const int first = max(0, c - int(p.size / 2u));
  const int last = min(int(p.channels) - 1, c + int((p.size - 1u) / 2u));
  float sum = 0.0;
  for (int cc = first; cc <= last; ++cc) {
    const float v = x[base + uint(cc) * p.inner];
    sum += v * v;
  }
  y[i] = x[i] / pow(p.k + p.alpha / float(p.size) * sum, p.beta);
}
