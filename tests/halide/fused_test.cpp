// Fused kernels and every schedule template against the reference backend:
// conv + batchnorm + activation + residual add + activation; conv + pooling
// computed in the conv's tiles (non-overlapping windows) or after it
// (overlapping windows, global pooling); depthwise, dense + softmax; output
// channels that are and are not a multiple of the vector width. Each model
// runs fused on the Halide backend for this machine and for AVX2, and
// unfused on the reference.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "backends/halide/halide_backend.h"
#include "backends/halide/kernel_desc.h"
#include "runtime/model.h"
#include "runtime/registry.h"
#include "tests/halide/model_text.h"
#include "tests/halide/sweep.h"

namespace cnnc::halide_test {
namespace {

ir::Graph load_text(const std::string& name, const std::string& text, const std::string& pipeline) {
  return load_model_text("halide_fused_test", name, text, pipeline, 7);
}

size_t fused_nodes(const ir::Graph& g) {
  size_t n = 0;
  for (auto id : g.topological_order()) n += g.node(id).op == "fused";
  return n;
}

// Batchnorm statistics away from 0/1, so a wrong fold or epilogue shows.
void perturb_batchnorm(ir::Graph& g) {
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> u(0.5f, 1.5f);
  for (auto id : g.topological_order()) {
    auto& n = g.node(id);
    if (n.kind == ir::NodeKind::Param && n.value && n.name.find("bn") != std::string::npos)
      for (auto& v : n.value->data()) v = u(rng);
    if (n.body)
      for (auto inner : n.body->topological_order()) {
        auto& m = const_cast<ir::Graph&>(*n.body).node(inner);
        if (m.kind == ir::NodeKind::Param && m.value && m.name.find("bn") != std::string::npos)
          for (auto& v : m.value->data()) v = u(rng);
      }
  }
}

void check_model(const std::string& name, const std::string& text, const ir::Shape& input) {
  SCOPED_TRACE(name);
  // Batchnorm kept (not folded, as `inference` would) so the epilogue is tested.
  ir::Graph fused = load_text(name, text, "inference-unfused,fuse");
  ir::Graph plain = load_text(name, text, "inference-unfused");
  perturb_batchnorm(fused);
  perturb_batchnorm(plain);
  ASSERT_GT(fused_nodes(fused), 0u) << "the fusion pass formed no group";
  std::mt19937 rng(5);
  std::vector<ir::Tensor> inputs{test_util::random_tensor(input, rng)};
  auto want = global_registry().backends.find("reference")->compile(plain, {})->run(inputs);
  for (std::string target : {"", "x86-64-linux-avx-avx2-f16c-fma-sse41"}) {
    SCOPED_TRACE(target.empty() ? "host target" : target);
    auto backend = backends::halide::make_halide_backend(global_registry().ops, target);
    auto got = backend->compile(fused, {})->run(inputs);
    ASSERT_EQ(got.size(), want.size());
    for (size_t i = 0; i < got.size(); ++i)
      EXPECT_TRUE(test_util::tensors_near(got[i], want[i], kTolerance)) << "output " << i;
  }
}

TEST(HalideFused, ConvBatchnormReluResidualAddRelu) {
  check_model("residual", R"(model residual
input x [N, 32, 12, 10]
conv2d    c1 filters=32 kernel=3 pad=1 bias=false
batchnorm bn1
relu      r1
conv2d    c2 filters=32 kernel=3 pad=1 bias=false
batchnorm bn2
add       sum from=bn2,x
relu      out
output out
)",
              {2, 32, 12, 10});
}

// 1x1 convolutions that expand channels on a 28x28 image: the heuristic
// runs them as matrix products over the flattened H*W axis (ConvPointwise,
// (N, C, H*W) buffers), with batchnorm, a residual add and an odd channel
// count (36) in the epilogue and tiles.
TEST(HalideFused, PointwiseOverFlattenedPixels) {
  const std::string text = R"(model pointwise
input x [N, 16, 28, 28]
conv2d    expand filters=32 kernel=1 bias=false
batchnorm bn1
relu      r1
conv2d    c2 filters=32 kernel=1 bias=false
batchnorm bn2
add       sum from=bn2,r1
relu      r2
conv2d    c3 filters=36 kernel=1 act=relu6
output c3
)";
  ir::Graph g = load_text("pointwise_kinds", text, "inference-unfused,fuse");
  size_t pointwise = 0;
  for (auto id : g.topological_order())
    if (g.node(id).kind == ir::NodeKind::Op)
      pointwise += backends::halide::describe_kernel(g, id, 2, global_registry().ops, "", "")
                       .schedule.kind == backends::halide::ScheduleTemplate::ConvPointwise;
  EXPECT_EQ(pointwise, 3u);
  check_model("pointwise", text, {2, 16, 28, 28});
}

TEST(HalideFused, ConvReluMaxPoolInTilesAndOverlappingPoolAfter) {
  check_model("pools", R"(model pools
input x [N, 3, 20, 18]
conv2d  c1 filters=16 kernel=3 pad=1 act=relu
maxpool p1 kernel=2 stride=2
conv2d  c2 filters=48 kernel=3 pad=1 act=relu
maxpool p2 kernel=3 stride=2 pad=1
conv2d  c3 filters=6 kernel=1
avgpool p3 kernel=2 stride=2
output p3
)",
              {1, 3, 20, 18});
}

TEST(HalideFused, OddChannelCountsStridesAndGlobalPooling) {
  check_model("odd", R"(model odd
input x [N, 5, 17, 15]
conv2d c1 filters=7 kernel=5 stride=2 pad=2 act=relu
conv2d c2 filters=24 kernel=3 dilation=2 pad=2 act=leaky_relu
global_avgpool g
flatten f
dense  d1 units=32 act=relu
dense  d2 units=10
softmax probs
output probs
)",
              {3, 5, 17, 15});
}

TEST(HalideFused, DepthwiseAndPointwiseWithBatchnormRelu6) {
  check_model("mobile", R"(model mobile
input x [N, 16, 14, 13]
conv2d    dw filters=16 kernel=3 pad=1 groups=16 bias=false
batchnorm bn_dw
relu6     r_dw
conv2d    pw filters=32 kernel=1 bias=false
batchnorm bn_pw
relu6     r_pw
output r_pw
)",
              {2, 16, 14, 13});
}

}  // namespace
}  // namespace cnnc::halide_test
