// One channel of a tensor [batch, channels, plane] per workgroup: the
// channel's batch*plane elements walked by the workgroup's invocations,
// each taking every 64th in memory order (batch item by batch item, as the
// reference), and the channel's mean and biased variance in two passes (no
// cancellation), as backends/reference/kernels/batchnorm_stats.h. Included
// after workgroup_sum.glsl, a buffer x[] and a push block p with batch,
// channels and plane.

struct Walk {
  uint n;  // batch item
  uint i;  // offset in the plane
};

Walk walk_start() {
  const uint lid = gl_LocalInvocationID.x;
  return Walk(lid / p.plane, lid % p.plane);
}

// One workgroup size further, without a division per element.
void walk_next(inout Walk w) {
  w.i += gl_WorkGroupSize.x % p.plane;
  w.n += gl_WorkGroupSize.x / p.plane;
  if (w.i >= p.plane) {
    w.i -= p.plane;
    w.n += 1u;
  }
}

uint walk_index(Walk w, uint c) { return (w.n * p.channels + c) * p.plane + w.i; }

float channel_count() { return float(p.batch * p.plane); }

// From uniform control flow only, as workgroup_sum.
float channel_mean(uint c) {
  Sum2 acc = sum2_zero();
  for (Walk w = walk_start(); w.n < p.batch; walk_next(w))
    sum2_add(acc, vec2(x[walk_index(w, c)], 0.0));
  return workgroup_sum(acc.sum).x / channel_count();
}

float channel_variance(uint c, float mean) {
  Sum2 acc = sum2_zero();
  for (Walk w = walk_start(); w.n < p.batch; walk_next(w)) {
    const float d = x[walk_index(w, c)] - mean;
    sum2_add(acc, vec2(d * d, 0.0));
  }
  return workgroup_sum(acc.sum).x / channel_count();
}
