// Channel-blocked activation layouts (nChw16c on AVX-512, nChw8c on AVX2)
// between kernels: a model whose tensors pass between blocked convolutions,
// depthwise layers, pooling, residual adds and concat, plain layers (a
// channel count that is not a multiple of the block, global pooling, dense),
// a blocked model input, a blocked tensor that is also a model output and a
// convolution read by a flatten.
// Each layout choice must give the reference's answer; the profile records
// which layout each kernel wrote and the reorders at the model's edges.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "backends/halide/halide_backend.h"
#include "runtime/model.h"
#include "runtime/registry.h"
#include "tests/halide/model_text.h"
#include "tests/halide/sweep.h"

namespace cnnc::halide_test {
namespace {

constexpr const char* kAvx2 = "x86-64-linux-avx-avx2-f16c-fma-sse41";

ir::Graph load_text(const std::string& name, const std::string& text, const std::string& pipeline) {
  return load_model_text("halide_layout_test", name, text, pipeline, 11);
}

const std::string kMixed = R"(model mixed
input x [N, 32, 13, 11]
conv2d  c1 filters=32 kernel=3 pad=1 act=relu
maxpool p1 kernel=3 stride=1 pad=1
conv2d  c2 filters=32 kernel=3 pad=1
add     sum from=c2,p1
relu    r1
conv2d  dw filters=32 kernel=3 stride=2 pad=1 groups=32 act=relu6
conv2d  narrow filters=24 kernel=1 act=relu
conv2d  wide filters=48 kernel=1 from=dw
concat  cat from=wide,dw
avgpool p2 kernel=2 stride=2
conv2d  back filters=16 kernel=3 pad=1 from=narrow
global_avgpool g from=p2
flatten f
dense   d units=10
softmax probs
conv2d  tail filters=16 kernel=1 from=p2
flatten ft
dense   dt units=4
output probs, r1, back, dt
)";

// Runs `graph` on the Halide backend for `target` with `layout` and checks
// every output against `want`; returns the profile.
std::vector<backends::KernelTiming> run_and_compare(const ir::Graph& graph,
                                                    const std::vector<ir::Tensor>& inputs,
                                                    const std::vector<ir::Tensor>& want,
                                                    const std::string& target,
                                                    const std::string& layout) {
  auto backend = backends::halide::make_halide_backend(global_registry().ops, target);
  auto exe = backend->compile(graph, {.layout = layout});
  std::vector<backends::KernelTiming> profile;
  auto got = exe->run_profiled(inputs, profile);
  EXPECT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size() && i < want.size(); ++i)
    EXPECT_TRUE(test_util::tensors_near(got[i], want[i], kTolerance)) << "output " << i;
  return profile;
}

const backends::KernelTiming* find_kernel(const std::vector<backends::KernelTiming>& profile,
                                          const std::string& name) {
  for (const auto& k : profile)
    if (k.name == name) return &k;
  return nullptr;
}

TEST(HalideLayout, BlockedAndPlainLayoutsGiveTheReferenceAnswers) {
  ir::Graph fused = load_text("mixed", kMixed, "inference");
  ir::Graph plain = load_text("mixed", kMixed, "inference-unfused");
  for (int64_t batch : {1, 3}) {
    SCOPED_TRACE(fmt::format("batch {}", batch));
    std::mt19937 rng(static_cast<uint32_t>(batch));
    std::vector<ir::Tensor> inputs{test_util::random_tensor({batch, 32, 13, 11}, rng)};
    auto want = global_registry().backends.find("reference")->compile(plain, {})->run(inputs);
    for (std::string target : {std::string(), std::string(kAvx2)}) {
      SCOPED_TRACE(target.empty() ? "host target" : target);
      for (std::string layout : {"auto", "nchw"}) {
        SCOPED_TRACE(layout);
        run_and_compare(fused, inputs, want, target, layout);
      }
    }
  }
}

TEST(HalideLayout, ProfileRecordsEachKernelsLayoutAndTheEdgeReorders) {
  ir::Graph g = load_text("mixed", kMixed, "inference");
  std::mt19937 rng(2);
  std::vector<ir::Tensor> inputs{test_util::random_tensor({2, 32, 13, 11}, rng)};
  ir::Graph plain = load_text("mixed", kMixed, "inference-unfused");
  auto want = global_registry().backends.find("reference")->compile(plain, {})->run(inputs);

  auto profile = run_and_compare(g, inputs, want, kAvx2, "auto");
  auto layout_of = [&](const std::string& name) {
    const auto* k = find_kernel(profile, name);
    return k ? k->layout : "missing";
  };
  // Convolutions with 8k output channels, and the pooling and residual add
  // between them, keep channel blocks; the model input is reordered once.
  EXPECT_EQ(layout_of("x>nChw8c"), "nChw8c");
  EXPECT_EQ(layout_of("p1"), "nChw8c");
  EXPECT_EQ(layout_of("dw"), "nChw8c");
  EXPECT_EQ(layout_of("cat"), "nChw8c");
  // r1 is a model output too: computed blocked, then reordered for the caller.
  EXPECT_EQ(layout_of("r1>nchw"), "nchw");
  // 24 channels are 3 blocks of 8 on AVX2; 10 units and a 1x1 image are not blocked.
  EXPECT_EQ(layout_of("narrow"), "nChw8c");
  EXPECT_EQ(layout_of("g"), "nchw");
  EXPECT_EQ(layout_of("probs"), "nchw");
  // A convolution read only by a flatten stays NCHW: the flatten would pay
  // for the blocks.
  EXPECT_EQ(layout_of("tail"), "nchw");

  profile = run_and_compare(g, inputs, want, kAvx2, "nchw");
  for (const auto& k : profile) {
    EXPECT_EQ(k.layout, "nchw") << k.name;
    EXPECT_EQ(k.op.find("reorder"), std::string::npos) << k.name;
  }
}

TEST(HalideLayout, UnknownLayoutIsRejected) {
  ir::Graph g = load_text("mixed", kMixed, "inference");
  auto backend = backends::halide::make_halide_backend(global_registry().ops, kAvx2);
  try {
    backend->compile(g, {.layout = "nhwc"});
    FAIL() << "expected an error";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("nhwc"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace cnnc::halide_test
