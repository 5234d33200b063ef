#version 450
#extension GL_GOOGLE_include_directive : require
// The gradient of lrn, one dx element per invocation, recomputing the
// channel sums from x as the reference does: with s_c = k + alpha / size *
// sum of x^2 over c's window (c - size/2 .. c + (size-1)/2),
//   dx_j = dy_j s_j^-beta - 2 alpha beta / size * x_j
//          * sum over the channels c whose window holds j (j - (size-1)/2 ..
//            j + size/2) of dy_c x_c s_c^(-beta-1).
// Each s_c is summed again by every j needing it: size^2 reads per element,
// no shared state between invocations.
layout(local_size_x_id = 0) in;
#include "invocation.glsl"
layout(std430, set = 0, binding = 0) readonly buffer Input { float x[]; };
layout(std430, set = 0, binding = 1) readonly buffer OutputGrad { float dy[]; };
layout(std430, set = 0, binding = 2) writeonly buffer InputGrad { float dx[]; };
layout(push_constant) uniform Push {
  uint count, channels, inner, size;
  float alpha, beta, k;
} p;

float window_sum(uint base, int c) {
  const int first = max(0, c - int(p.size / 2u));
  const int last = min(int(p.channels) - 1, c + int((p.size - 1u) / 2u));
  float sum = 0.0;
  for (int cc = first; cc <= last; ++cc) {
    const float v = x[base + uint(cc) * p.inner];
    sum += v * v;
  }
  return p.k + p.alpha / float(p.size) * sum;
}

void main() {
  const uint i = invocation_index();
  if (i >= p.count) return;
  const int j = int((i / p.inner) % p.channels);
  const uint base = i - uint(j) * p.inner;  // channel 0 at this position
  const int first = max(0, j - int((p.size - 1u) / 2u));
  const int last = min(int(p.channels) - 1, j + int(p.size / 2u));
  float sum = 0.0;
  for (int c = first; c <= last; ++c) {
    const uint at = base + uint(c) * p.inner;
    sum += dy[at] * x[at] * pow(window_sum(base, c), -p.beta - 1.0);
  }
  dx[i] = dy[i] * pow(window_sum(base, j), -p.beta) -
          2.0 * p.alpha / float(p.size) * p.beta * x[i] * sum;
}
