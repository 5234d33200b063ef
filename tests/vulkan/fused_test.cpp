// Fused Vulkan kernels against the reference: each model runs through
// `inference-unfused,fuse` on the Vulkan backend (groups with a fused
// shader as one dispatch: conv + batchnorm + activation + residual add +
// activation as a GEMM or in register tiles, conv + pooling with and
// without overlapping windows, groups of elementwise layers) and unfused on
// the reference, with the validation layer on. The same models as tests/halide/fused_test.cpp.
#include <gtest/gtest.h>

#include <cstdlib>

#include "backends/vulkan/lowering.h"
#include "backends/vulkan/vulkan_backend.h"
#include "runtime/model.h"
#include "runtime/registry.h"
#include "tests/backends/test_util.h"
#include "tests/halide/model_text.h"

namespace cnnc::backends::vulkan {
namespace {

ir::Graph load_text(const std::string& name, const std::string& text, const std::string& pipeline) {
  return halide_test::load_model_text("vulkan_fused_test", name, text, pipeline, 7);
}

// Batchnorm statistics away from 0/1, so a wrong epilogue shows.
void perturb_batchnorm(ir::Graph& g) {
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> u(0.5f, 1.5f);
  const auto perturb = [&](ir::Node& n) {
    if (n.kind == ir::NodeKind::Param && n.value && n.name.find("bn") != std::string::npos)
      for (auto& v : n.value->data()) v = u(rng);
  };
  for (auto id : g.topological_order()) {
    perturb(g.node(id));
    if (g.node(id).body)
      for (auto inner : g.node(id).body->topological_order())
        perturb(const_cast<ir::Graph&>(*g.node(id).body).node(inner));
  }
}

// Runs the model fused on Vulkan and unfused on the reference; returns how
// many of its fusion groups a fused shader computed.
size_t check_model(const std::string& name, const std::string& text, const ir::Shape& input) {
  SCOPED_TRACE(name);
  ::setenv("CNNC_VULKAN_VALIDATION", "1", 1);
  ir::Graph fused = load_text(name, text, "inference-unfused,fuse");
  ir::Graph plain = load_text(name, text, "inference-unfused");
  perturb_batchnorm(fused);
  perturb_batchnorm(plain);
  size_t groups = 0, shaded = 0;
  for (auto id : fused.topological_order())
    if (fused.node(id).op == "fused") {
      ++groups;
      shaded += lower_fused(*fused.node(id).body, input[0], {}).has_value();
    }
  EXPECT_GT(groups, 0u) << "the fusion pass formed no group";
  std::mt19937 rng(5);
  std::vector<ir::Tensor> inputs{test_util::random_tensor(input, rng)};
  auto want = global_registry().backends.find("reference")->compile(plain, {})->run(inputs);
  // The default (wide convolutions as GEMMs with the epilogue, the others
  // and those with pooling in register tiles) and register tiles only.
  for (const char* schedule : {"", "register"}) {
    SCOPED_TRACE(*schedule ? schedule : "default schedule");
    auto got = make_vulkan_backend(global_registry().ops)
                   ->compile(fused, {.schedule = schedule})
                   ->run(inputs);
    EXPECT_EQ(got.size(), want.size());
    for (size_t i = 0; i < std::min(got.size(), want.size()); ++i)
      EXPECT_TRUE(test_util::tensors_near(got[i], want[i], 1e-4)) << "output " << i;
  }
  return shaded;
}

TEST(VulkanFused, ConvBatchnormReluResidualAddRelu) {
  EXPECT_EQ(check_model("residual", R"(model residual
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
                        {2, 32, 12, 10}),
            2u);
}

TEST(VulkanFused, ConvReluMaxPoolAndOverlappingPools) {
  EXPECT_EQ(check_model("pools", R"(model pools
input x [N, 3, 20, 18]
conv2d  c1 filters=16 kernel=3 pad=1 act=relu
maxpool p1 kernel=2 stride=2
conv2d  c2 filters=48 kernel=3 pad=1 act=relu
maxpool p2 kernel=3 stride=2 pad=1
conv2d  c3 filters=6 kernel=1
avgpool p3 kernel=2 stride=2
output p3
)",
                        {1, 3, 20, 18}),
            3u);
}

TEST(VulkanFused, OddChannelCountsStridesAndGlobalPooling) {
  // The conv + global pool and dense + softmax groups run member by member.
  EXPECT_EQ(check_model("odd", R"(model odd
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
                        {3, 5, 17, 15}),
            0u);
}

TEST(VulkanFused, DepthwiseAndPointwiseWithBatchnormRelu6) {
  EXPECT_EQ(check_model("mobile", R"(model mobile
input x [N, 16, 14, 13]
conv2d    dw filters=16 kernel=3 pad=1 groups=16 bias=false
batchnorm bn_dw
relu6     r_dw
conv2d    pw filters=32 kernel=1 bias=false
batchnorm bn_pw
relu6     r_pw
output r_pw
)",
                        {2, 16, 14, 13}),
            2u);
}

TEST(VulkanFused, PointwiseExpansionWithBatchnormAndResidual) {
  EXPECT_EQ(check_model("pointwise", R"(model pointwise
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
)",
                        {2, 16, 28, 28}),
            2u);  // c3 alone is no group
}

// Groups of elementwise layers alone: batchnorm + relu at the input, and
// add + tanh + mul whose other operands are tensors read elsewhere too.
TEST(VulkanFused, ElementwiseGroupsWithoutAConvolution) {
  EXPECT_EQ(check_model("elementwise", R"(model elementwise
input x [N, 8, 9, 7]
batchnorm bn0
relu      r0
conv2d    a filters=8 kernel=3 pad=1 from=r0
add       s from=a,r0
tanh      t
mul       m from=t,a
output m
)",
                        {3, 8, 9, 7}),
            2u);
}

}  // namespace
}  // namespace cnnc::backends::vulkan
