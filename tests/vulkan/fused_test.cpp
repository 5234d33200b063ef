// Fused Vulkan kernels against the reference: each model runs through
// `inference-unfused,fuse` on the Vulkan backend (groups with a fused
// shader as one dispatch: conv + batchnorm + activation + residual add +
// activation as a GEMM or in register tiles, conv + pooling with and
// without overlapping windows, groups of elementwise layers) and unfused on
// the reference, with the validation layer on. The models are
// tests/backends/fused_models.h (tests/halide/fused_test.cpp runs them too)
// and one of groups of elementwise layers alone.
#include <gtest/gtest.h>

#include <cstdlib>

#include "backends/vulkan/lowering.h"
#include "backends/vulkan/vulkan_backend.h"
#include "runtime/model.h"
#include "runtime/registry.h"
#include "tests/backends/fused_models.h"
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
size_t check_model(const test_util::FusedModel& model) {
  SCOPED_TRACE(model.name);
  ::setenv("CNNC_VULKAN_VALIDATION", "1", 1);
  ir::Graph fused = load_text(model.name, model.text, "inference-unfused,fuse");
  ir::Graph plain = load_text(model.name, model.text, "inference-unfused");
  perturb_batchnorm(fused);
  perturb_batchnorm(plain);
  size_t groups = 0, shaded = 0;
  for (auto id : fused.topological_order())
    if (fused.node(id).op == "fused") {
      ++groups;
      shaded += lower_fused(*fused.node(id).body, model.input[0], {}).has_value();
    }
  EXPECT_GT(groups, 0u) << "the fusion pass formed no group";
  std::mt19937 rng(5);
  std::vector<ir::Tensor> inputs{test_util::random_tensor(model.input, rng)};
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
  EXPECT_EQ(check_model(test_util::kResidualModel), 2u);
}

TEST(VulkanFused, ConvReluMaxPoolAndOverlappingPools) {
  EXPECT_EQ(check_model(test_util::kPoolsModel), 3u);
}

TEST(VulkanFused, OddChannelCountsStridesAndGlobalPooling) {
  // The conv + global pool and dense + softmax groups run member by member.
  EXPECT_EQ(check_model(test_util::kOddModel), 0u);
}

TEST(VulkanFused, DepthwiseAndPointwiseWithBatchnormRelu6) {
  EXPECT_EQ(check_model(test_util::kMobileModel), 2u);
}

TEST(VulkanFused, PointwiseExpansionWithBatchnormAndResidual) {
  EXPECT_EQ(check_model(test_util::kPointwiseModel), 2u);  // c3 alone is no group
}

// Groups of elementwise layers alone: batchnorm + relu at the input, and
// add + tanh + mul whose other operands are tensors read elsewhere too.
TEST(VulkanFused, ElementwiseGroupsWithoutAConvolution) {
  const test_util::FusedModel elementwise{"elementwise",
                                          R"(model elementwise
input x [N, 8, 9, 7]
batchnorm bn0
relu      r0
conv2d    a filters=8 kernel=3 pad=1 from=r0
add       s from=a,r0
tanh      t
mul       m from=t,a
output m
)",
                                          {3, 8, 9, 7}};
  EXPECT_EQ(check_model(elementwise), 2u);
}

}  // namespace
}  // namespace cnnc::backends::vulkan
