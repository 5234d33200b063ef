// The body of the shared-memory GEMM shaders (gemm_tiled.comp,
// gemm_fused.comp; the comment there says what it computes). The includer
// declares the buffers x, w, bias, y, the push constants p and the tile
// constants, and defines finish(v, channel, index): what happens to an
// output after its bias and activation.
shared float a_tile[TK * TM];
shared float b_tile[TK * TN];

void main() {
  const uint threads = (TM / RM) * (TN / RN);
  const uint tid = gl_LocalInvocationID.x;
  const uint row = tid / (TN / RN), col = tid % (TN / RN);
  const uint group = gl_WorkGroupID.z;
  const uint m0 = gl_WorkGroupID.y * TM, p0 = gl_WorkGroupID.x * TN;
  // The GEMM's sizes: M rows of A, P columns of B, R the reduction.
  const uint cg = p.c / p.groups, kg = p.k / p.groups, taps = p.kh * p.kw;
  const uint M = p.mode == 0u ? kg : p.k;
  const uint P = p.mode == 0u ? p.n * p.oh * p.ow : p.n;
  const uint R = p.mode == 0u ? cg * taps : p.c;

  float acc[RM][RN];
  for (uint i = 0u; i < RM; ++i)
    for (uint j = 0u; j < RN; ++j) acc[i][j] = 0.0;

  for (uint r0 = 0u; r0 < R; r0 += TK) {
    // A: weights, contiguous along r in both modes.
    for (uint e = tid; e < TK * TM; e += threads) {
      const uint mm = e / TK, rr = e % TK;
      const uint m = m0 + mm, r = r0 + rr;
      a_tile[rr * TM + mm] = (m < M && r < R) ? w[(group * kg + m) * R + r] : 0.0;
    }
    // B: the input, gathered.
    for (uint e = tid; e < TK * TN; e += threads) {
      const uint rr = e / TN, pp = e % TN;
      const uint r = r0 + rr, q = p0 + pp;
      float v = 0.0;
      if (r < R && q < P) {
        if (p.mode == 0u) {
          const uint ci = r / taps, tap = r % taps, ty = tap / p.kw, tx = tap % p.kw;
          const uint ox = q % p.ow, oy = (q / p.ow) % p.oh, b = q / (p.ow * p.oh);
          const int iy = int(oy * p.sh + ty * p.dh) - int(p.ph);
          const int ix = int(ox * p.sw + tx * p.dw) - int(p.pw);
          if (iy >= 0 && iy < int(p.h) && ix >= 0 && ix < int(p.w))
            v = x[((b * p.c + group * cg + ci) * p.h + uint(iy)) * p.w + uint(ix)];
        } else {
          v = x[q * p.c + r];
        }
      }
      b_tile[rr * TN + pp] = v;
    }
    barrier();
    for (uint rr = 0u; rr < TK; ++rr) {
      float a[RM], b[RN];
      for (uint i = 0u; i < RM; ++i) a[i] = a_tile[rr * TM + row * RM + i];
      for (uint j = 0u; j < RN; ++j) b[j] = b_tile[rr * TN + col * RN + j];
      for (uint i = 0u; i < RM; ++i)
        for (uint j = 0u; j < RN; ++j) acc[i][j] += a[i] * b[j];
    }
    barrier();
  }

  for (uint i = 0u; i < RM; ++i) {
    const uint m = m0 + row * RM + i;
    if (m >= M) continue;
    const uint channel = p.mode == 0u ? group * kg + m : m;
    const float add = p.has_bias != 0u ? bias[channel] : 0.0;
    for (uint j = 0u; j < RN; ++j) {
      const uint q = p0 + col * RN + j;
      if (q >= P) continue;
      const float v = activate(acc[i][j] + add, p.act, p.alpha);
      if (p.mode == 0u) {
        const uint pixel = q % (p.oh * p.ow), b = q / (p.oh * p.ow);
        const uint at = (b * p.k + channel) * p.oh * p.ow + pixel;
        y[at] = finish(v, channel, at);
      } else {
        y[q * p.k + m] = finish(v, m, q * p.k + m);
      }
    }
  }
}
