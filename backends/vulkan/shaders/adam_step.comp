#version 450
// adam_step, elementwise: param (1 - lr decay) - lr mhat / (sqrt(vhat) +
// eps), mhat = m / (1 - beta1^t), vhat = v / (1 - beta2^t) at step t.
// 1 - beta^t is -expm1(t ln(beta)), ln(beta) from the host's double: the
// float pow(beta, t) (exp2 of t log2(beta), log2 near 1 good to 2^-21
// absolute) would lose most digits of 1 - beta2^t for beta2 = 0.999 and
// small t.
layout(local_size_x_id = 0) in;
layout(std430, set = 0, binding = 0) readonly buffer Param { float param[]; };
layout(std430, set = 0, binding = 1) readonly buffer M { float m[]; };
layout(std430, set = 0, binding = 2) readonly buffer V { float v[]; };
layout(std430, set = 0, binding = 3) readonly buffer Lr { float lr[]; };
layout(std430, set = 0, binding = 4) readonly buffer T { float t[]; };
layout(std430, set = 0, binding = 5) writeonly buffer Output { float y[]; };
layout(push_constant) uniform Push {
  uint count;
  float ln_beta1;  // a large negative number for beta = 0
  float ln_beta2;
  float eps;
  float decay;
} p;

// exp(z) - 1, accurate to a few ulps relative also for z near 0 (where
// exp(z) - 1 cancels): Taylor terms to z^9 for |z| < 0.5.
float expm1_(float z) {
  if (abs(z) >= 0.5) return exp(z) - 1.0;
  float term = z, sum = z;
  for (int k = 2; k <= 9; ++k) {
    term *= z / float(k);
    sum += term;
  }
  return sum;
}

void main() {
  const float rate = lr[0], steps = t[0];
  const float correction1 = -expm1_(steps * p.ln_beta1);
  const float correction2 = -expm1_(steps * p.ln_beta2);
  for (uint i = gl_GlobalInvocationID.x; i < p.count; i += gl_NumWorkGroups.x * gl_WorkGroupSize.x) {
    const float mhat = m[i] / correction1, vhat = v[i] / correction2;
    y[i] = param[i] * (1.0 - rate * p.decay) - rate * mhat / (sqrt(vhat) + p.eps);
  }
}
