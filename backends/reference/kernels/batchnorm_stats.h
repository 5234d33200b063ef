// Per-channel batch statistics shared by batchnorm's forward and backward
// reference kernels: a tensor [N, C, ...] seen as N x C planes, and the
// mean and biased variance of one channel over the batch and the plane,
// in double (two passes, so no cancellation).
#pragma once

#include <cstdint>

#include "ir/tensor.h"

namespace cnnc::backends::reference {

struct ChannelView {
  int64_t batch, channels, plane;
  explicit ChannelView(const ir::Tensor& t)
      : batch(t.shape()[0]),
        channels(t.shape()[1]),
        plane(batch * channels == 0 ? 0 : t.size() / (batch * channels)) {}
  int64_t count() const { return batch * plane; }  // elements per channel
  // Calls f(flat index) for every element of channel c, in memory order.
  template <typename F>
  void for_each(int64_t c, F f) const {
    for (int64_t n = 0; n < batch; ++n) {
      const int64_t base = (n * channels + c) * plane;
      for (int64_t i = 0; i < plane; ++i) f(base + i);
    }
  }
};

struct ChannelStats {
  double mean = 0, var = 0;  // var: biased (divided by the count)
};

inline ChannelStats batch_stats(const ir::Tensor& x, const ChannelView& v, int64_t c) {
  ChannelStats s;
  const auto m = static_cast<double>(v.count());
  if (m == 0) return s;
  v.for_each(c, [&](int64_t i) { s.mean += x[i]; });
  s.mean /= m;
  v.for_each(c, [&](int64_t i) { s.var += (x[i] - s.mean) * (x[i] - s.mean); });
  s.var /= m;
  return s;
}

}  // namespace cnnc::backends::reference
