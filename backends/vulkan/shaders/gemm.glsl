// The body of the shared-memory GEMM shaders (gemm_tiled.comp,
// gemm_fused.comp; the comment there says what it computes). The includer
// declares the buffers x, w, bias, y, the push constants p and the tile
// constants, and defines finish(v, channel, index): what happens to an
// output after its bias and activation.
shared float a_tile[TK * TM];
shared float b_tile[TK * TN];

// The weight gradient's node reads (dy, x), the others (x, weight): in
// mode 2 the input is binding 1 and A (dy) binding 0.
float input_at(uint i) { return p.mode == 2u ? w[i] : x[i]; }
float a_at(uint i) { return p.mode == 2u ? x[i] : w[i]; }

// The input at channel `ci` of `group`, tap `tap` of the window of output
// pixel `q` = (b, oy, ox); 0 in the padding.
float gather_input(uint group, uint ci, uint tap, uint q) {
  const uint ty = tap / p.kw, tx = tap % p.kw;
  const uint ox = q % p.ow, oy = (q / p.ow) % p.oh, b = q / (p.ow * p.oh);
  const int iy = int(oy * p.sh + ty * p.dh) - int(p.ph);
  const int ix = int(ox * p.sw + tx * p.dw) - int(p.pw);
  if (iy < 0 || iy >= int(p.h) || ix < 0 || ix >= int(p.w)) return 0.0;
  return input_at(((b * p.c + group * (p.c / p.groups) + ci) * p.h + uint(iy)) * p.w + uint(ix));
}

void main() {
  const uint threads = (TM / RM) * (TN / RN);
  const uint tid = gl_LocalInvocationID.x;
  const uint row = tid / (TN / RN), col = tid % (TN / RN);
  const uint group = gl_WorkGroupID.z;
  const uint m0 = gl_WorkGroupID.y * TM, p0 = gl_WorkGroupID.x * TN;
  // The GEMM's sizes: M rows of A, P columns of B, R the reduction.
  //   mode 0, convolution: output channels x output pixels, over (ci, tap)
  //   mode 1, dense: units x items, over features
  //   mode 2, the convolution's weight gradient:
  //           output channels x (ci, tap), over output pixels
  const uint cg = p.c / p.groups, kg = p.k / p.groups, taps = p.kh * p.kw;
  const uint pixels = p.n * p.oh * p.ow;
  const uint M = p.mode == 1u ? p.k : kg;
  const uint P = p.mode == 0u ? pixels : p.mode == 1u ? p.n : cg * taps;
  const uint R = p.mode == 0u ? cg * taps : p.mode == 1u ? p.c : pixels;

  float acc[RM][RN];
  for (uint i = 0u; i < RM; ++i)
    for (uint j = 0u; j < RN; ++j) acc[i][j] = 0.0;

  for (uint r0 = 0u; r0 < R; r0 += TK) {
    // A: contiguous along r in every mode.
    for (uint e = tid; e < TK * TM; e += threads) {
      const uint mm = e / TK, rr = e % TK;
      const uint m = m0 + mm, r = r0 + rr;
      float v = 0.0;
      if (m < M && r < R) {
        if (p.mode == 2u) {
          const uint pixel = r % (p.oh * p.ow), b = r / (p.oh * p.ow);
          v = a_at((b * p.k + group * kg + m) * p.oh * p.ow + pixel);
        } else {
          v = a_at((group * kg + m) * R + r);
        }
      }
      a_tile[rr * TM + mm] = v;
    }
    // B: the input, gathered.
    for (uint e = tid; e < TK * TN; e += threads) {
      const uint rr = e / TN, pp = e % TN;
      const uint r = r0 + rr, q = p0 + pp;
      float v = 0.0;
      if (r < R && q < P) {
        if (p.mode == 0u)
          v = gather_input(group, r / taps, r % taps, q);
        else if (p.mode == 1u)
          v = x[q * p.c + r];
        else
          v = gather_input(group, q / taps, q % taps, r);
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
    const uint channel = p.mode == 1u ? m : group * kg + m;
    const float add = p.has_bias != 0u ? bias[channel] : 0.0;
    for (uint j = 0u; j < RN; ++j) {
      const uint q = p0 + col * RN + j;
      if (q >= P) continue;
      if (p.mode == 2u) {
        y[channel * P + q] = acc[i][j];
        continue;
      }
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
