// Sums over one workgroup (a power-of-two size, the pipeline's 64) for the
// reductions a dispatch cannot split across workgroups (a loss, one
// channel's statistics): each invocation accumulates a strided share of
// the elements in a compensated (Kahan) sum, then a tree over shared
// memory adds the shares. Two sums at once (vec2), as batchnorm's gradient
// needs sum(dy) and sum(dy xhat) together. Float within 1e-4 of the
// reference's double accumulation over 10^5 and more elements.

shared vec2 partial[gl_WorkGroupSize.x];

struct Sum2 {
  vec2 sum;
  vec2 lost;  // what rounding dropped from sum, negated
};

Sum2 sum2_zero() { return Sum2(vec2(0.0), vec2(0.0)); }

// `precise`: compilers must not simplify (t - sum) - y to zero.
void sum2_add(inout Sum2 s, vec2 v) {
  precise vec2 y = v - s.lost;
  precise vec2 t = s.sum + y;
  precise vec2 lost = (t - s.sum) - y;
  s.lost = lost;
  s.sum = t;
}

// Every invocation of the workgroup must call it, from uniform control
// flow: it synchronizes the workgroup.
vec2 workgroup_sum(vec2 v) {
  const uint lid = gl_LocalInvocationID.x;
  partial[lid] = v;
  barrier();
  for (uint s = gl_WorkGroupSize.x / 2u; s > 0u; s >>= 1u) {
    if (lid < s) partial[lid] += partial[lid + s];
    barrier();
  }
  const vec2 total = partial[0];
  barrier();  // every invocation has read it before a next call overwrites it
  return total;
}
