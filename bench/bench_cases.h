// The benchmark cases of bench/cases.json, shared by the C++ peers (cnnc and
// oneDNN) so that both time exactly the same shapes under the same names as
// bench/torch_bench.py.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace cnnc::bench {

// A 2-D convolution in NCHW: C input channels of H x W, K filters of R x S,
// the same stride and padding on both axes.
struct ConvSpec {
  int64_t C = 0, H = 0, W = 0, K = 0, R = 0, S = 0, stride = 1, pad = 0, groups = 1;

  int64_t out_h() const { return (H + 2 * pad - R) / stride + 1; }
  int64_t out_w() const { return (W + 2 * pad - S) / stride + 1; }
  // 2·N·K·(C/groups)·R·S·OH·OW, the convolution alone.
  double flops(int64_t batch) const;
};

struct BenchCase {
  std::string name;             // "layer/d", "model/resnet50/b1"
  std::filesystem::path model;  // the .cnn file, absolute
  int64_t batch = 1;
  std::optional<ConvSpec> conv;  // single layers only
  bool fused = false;            // conv with bias + ReLU, then 2x2 max pooling
};

// Every case of the file, layers first. Throws std::runtime_error naming the
// file and the entry when it cannot be read.
std::vector<BenchCase> read_cases(const std::filesystem::path& cases_json);

}  // namespace cnnc::bench
