// Random draws that give the same numbers on every platform for one seed.
// The standard fixes std::mt19937_64's output, but not the algorithms of
// std::uniform_int_distribution, std::uniform_real_distribution or
// std::shuffle, so a run seeded on one standard library would shuffle and
// augment differently on another; these helpers are used instead.
#pragma once

#include <cstdint>
#include <random>
#include <span>

namespace cnnc::data {

// Uniform in [0, n), n >= 1: draws in the last, partial run of n values
// are rejected, so there is no modulo bias.
inline uint64_t uniform_below(std::mt19937_64& rng, uint64_t n) {
  const uint64_t excess = (UINT64_MAX % n + 1) % n;  // 2^64 mod n
  uint64_t x = rng();
  while (excess != 0 && x > UINT64_MAX - excess) x = rng();
  return x % n;
}

// Uniform integer in [lo, hi], lo <= hi.
inline int64_t uniform_int(std::mt19937_64& rng, int64_t lo, int64_t hi) {
  return lo + static_cast<int64_t>(uniform_below(rng, static_cast<uint64_t>(hi - lo) + 1));
}

// Fills `out` with floats uniform in [-1, 1), 24 random bits each (all a
// float holds), two from each draw: the high half first.
inline void fill_signed_unit(std::mt19937_64& rng, std::span<float> out) {
  constexpr float kStep = 0x1p-23f;
  size_t i = 0;
  for (; i + 2 <= out.size(); i += 2) {
    const uint64_t bits = rng();
    out[i] = static_cast<float>(bits >> 40) * kStep - 1.0f;
    out[i + 1] = static_cast<float>((bits >> 8) & 0xffffff) * kStep - 1.0f;
  }
  if (i < out.size()) out[i] = static_cast<float>(rng() >> 40) * kStep - 1.0f;
}

}  // namespace cnnc::data
