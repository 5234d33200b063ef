// The keep-mask of dropout in training, shared by the forward (`dropout`
// with training=true) and its gradient (`dropout_grad`) on every backend.
// Counter-based: whether element i is kept is a pure function of (seed,
// step, stream, i), a SplitMix64 hash, so masks need no generator state, a
// resumed run redraws the same masks, and the backward recomputes the
// forward's mask instead of keeping it. The stream is the layer name's
// hash, so two dropout layers draw independent masks in the same step.
#pragma once

#include <cmath>
#include <cstdint>
#include <string_view>

namespace cnnc::ir::dropout_mask {

// SplitMix64's output function (Steele, Lea and Flood 2014).
constexpr uint64_t mix(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

inline constexpr uint64_t kGamma = 0x9E3779B97F4A7C15ull;

// A layer's stream: FNV-1a of its name folded to 31 bits, so it fits an
// Int attribute (dropout_grad carries its forward layer's).
constexpr int64_t stream_of(std::string_view layer) {
  uint64_t h = 0xCBF29CE484222325ull;
  for (char c : layer) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001B3ull;
  }
  return static_cast<int64_t>((h ^ (h >> 31) ^ (h >> 62)) & 0x7FFFFFFFull);
}

// The step as the graph holds it: a float counter [1] (train.step).
inline uint64_t step_of(float value) {
  return value > 0.0f ? static_cast<uint64_t>(std::llround(value)) : 0;
}

// The key of one (seed, step, stream): element i then draws
// mix(key + (i + 1) * kGamma), the i-th number of a SplitMix64 sequence.
constexpr uint64_t key(uint64_t seed, uint64_t step, uint64_t stream) {
  return mix(mix(mix(seed + kGamma) ^ (stream * kGamma)) ^ step);
}

// Element i is kept with probability 1 - rate: its draw, as a double in
// [0, 1) from the top 53 bits, is below 1 - rate.
constexpr bool keep(uint64_t key, uint64_t index, double rate) {
  const uint64_t draw = mix(key + (index + 1) * kGamma);
  return static_cast<double>(draw >> 11) * 0x1.0p-53 < 1.0 - rate;
}

}  // namespace cnnc::ir::dropout_mask
