// ir/ops/dropout_mask.h in 32-bit integer arithmetic, so the masks need
// neither shaderInt64 nor shaderFloat64 (lavapipe and most GPUs would need
// a device feature enabled for either): a uint64 is a uvec2 (x the low
// word, y the high one). Also the reference's scaled value float(double(x)
// * scale), rounded twice exactly as the CPU does, so kept values are bit
// for bit the reference's too.

uvec2 u64_add(uvec2 a, uvec2 b) {
  uint carry;
  const uint lo = uaddCarry(a.x, b.x, carry);
  return uvec2(lo, a.y + b.y + carry);
}

// Modulo 2^64, as uint64_t multiplication.
uvec2 u64_mul(uvec2 a, uvec2 b) {
  uint hi, lo;
  umulExtended(a.x, b.x, hi, lo);
  return uvec2(lo, hi + a.x * b.y + a.y * b.x);
}

// 0 <= n < 64.
uvec2 u64_shr(uvec2 a, uint n) {
  if (n == 0u) return a;
  if (n >= 32u) return uvec2(a.y >> (n - 32u), 0u);
  return uvec2((a.x >> n) | (a.y << (32u - n)), a.y >> n);
}

bool u64_less(uvec2 a, uvec2 b) { return a.y < b.y || (a.y == b.y && a.x < b.x); }

// The low n bits, 0 < n < 64.
uvec2 u64_low_bits(uvec2 a, uint n) {
  if (n >= 32u) return uvec2(a.x, n == 32u ? 0u : a.y & ((1u << (n - 32u)) - 1u));
  return uvec2(a.x & ((1u << n) - 1u), 0u);
}

// 2^n, 0 <= n < 64.
uvec2 u64_bit(uint n) { return n >= 32u ? uvec2(0u, 1u << (n - 32u)) : uvec2(1u << n, 0u); }

const uvec2 kGamma = uvec2(0x7F4A7C15u, 0x9E3779B9u);

// SplitMix64's output function.
uvec2 splitmix(uvec2 z) {
  z ^= u64_shr(z, 30u);
  z = u64_mul(z, uvec2(0x1CE4E5B9u, 0xBF58476Du));
  z ^= u64_shr(z, 27u);
  z = u64_mul(z, uvec2(0x133111EBu, 0x94D049BBu));
  return z ^ u64_shr(z, 31u);
}

// dropout_mask::step_of: llround of a positive counter, else 0. Rounding by
// the fraction, not floor(v + 0.5): that sum rounds to even above 2^23.
uvec2 step_of(float v) {
  if (!(v > 0.0)) return uvec2(0u);
  float t = trunc(v);
  if (v - t >= 0.5) t += 1.0;
  // llround is undefined there; saturate rather than wrap.
  if (t >= 18446744073709551616.0) return uvec2(0xFFFFFFFFu);
  // Both parts are exact: t >= 2^32 is a multiple of 2^9.
  const float hi = floor(t * (1.0 / 4294967296.0));
  return uvec2(uint(t - hi * 4294967296.0), uint(hi));
}

// dropout_mask::keep: element i's draw, its top 53 bits compared with
// `threshold` = ceil((1 - rate) 2^53), which is the reference's double
// comparison draw 2^-53 < 1 - rate done in integers.
bool keep(uvec2 key, uint i, uvec2 threshold) {
  const uvec2 index = uvec2(i + 1u, i == 0xFFFFFFFFu ? 1u : 0u);
  const uvec2 draw = splitmix(u64_add(key, u64_mul(index, kGamma)));
  return u64_less(u64_shr(draw, 11u), threshold);
}

// Rounds the integer q to a multiple of 2^k, to nearest, ties to even;
// returns q / 2^k. 0 < k < 64.
uvec2 round_shift(uvec2 q, uint k) {
  uvec2 kept = u64_shr(q, k);
  const uvec2 rest = u64_low_bits(q, k), half_ = u64_bit(k - 1u);
  if (u64_less(half_, rest) || (rest == half_ && (kept.x & 1u) == 1u))
    kept = u64_add(kept, uvec2(1u, 0u));
  return kept;
}

// The bits of float(double(x) * s) for s = s_mant 2^s_exp >= 1 (s_mant a
// 53-bit integer): the exact product rounded to a double's 53 bits, then to
// a float (subnormal or infinite results included), as the reference's
// C++ computes it.
uint scaled_bits(uint x, uvec2 s_mant, int s_exp) {
  const uint sign = x & 0x80000000u, e = (x >> 23) & 0xFFu, f = x & 0x7FFFFFu;
  if (e == 255u || (e == 0u && f == 0u)) return x;  // inf, NaN and zeros scale to themselves
  const uint m = e == 0u ? f : f | 0x800000u;
  int exponent = (e == 0u ? -149 : int(e) - 150) + s_exp;
  // The product m s_mant < 2^77: three words.
  uint h0, l0, h1, l1, carry;
  umulExtended(m, s_mant.x, h0, l0);
  umulExtended(m, s_mant.y, h1, l1);
  const uint p1 = uaddCarry(h0, l1, carry), p2 = h1 + carry;
  const int bits = p2 != 0u ? findMSB(p2) + 65 : findMSB(p1) + 33;  // >= 53: s_mant >= 2^52
  // To 53 bits: the double product (never subnormal nor infinite here).
  const uint k1 = uint(bits - 53);
  uvec2 q;
  if (k1 == 0u) {
    q = uvec2(l0, p1);
  } else {
    q = uvec2((l0 >> k1) | (p1 << (32u - k1)), (p1 >> k1) | (p2 << (32u - k1)));
    const uint rest = l0 & ((1u << k1) - 1u), half_ = 1u << (k1 - 1u);
    if (rest > half_ || (rest == half_ && (q.x & 1u) == 1u)) q = u64_add(q, uvec2(1u, 0u));
  }
  exponent += int(k1);
  if (q.y == 0x200000u) {  // rounded up to 2^53
    q = uvec2(0u, 0x100000u);
    exponent += 1;
  }
  // q in [2^52, 2^53): to a float's 24 bits, or to a multiple of 2^-149
  // when the result is subnormal. The shift is 29..52 bits.
  const int quantum = max(exponent + 52 - 23, -149);
  const uvec2 mantissa = round_shift(q, uint(quantum - exponent));
  // mantissa <= 2^24: biased exponent quantum + 150 for mantissa 2^23; a
  // carry into 2^24 or a subnormal's into 2^23 lands on the next exponent.
  const uint magnitude = (uint(quantum + 150) << 23) + mantissa.x - 0x800000u;
  return sign | min(magnitude, 0x7F800000u);
}
