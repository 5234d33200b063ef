// Fused kernels and every schedule template against the reference backend:
// conv + batchnorm + activation + residual add + activation; conv + pooling
// computed in the conv's tiles (non-overlapping windows) or after it
// (overlapping windows, global pooling); depthwise, dense + softmax; output
// channels that are and are not a multiple of the vector width. Each model
// runs fused on the Halide backend for this machine and for AVX2, and
// unfused on the reference. The models are tests/backends/fused_models.h.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "backends/halide/halide_backend.h"
#include "backends/halide/kernel_desc.h"
#include "runtime/model.h"
#include "runtime/registry.h"
#include "tests/backends/fused_models.h"
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

void check_model(const test_util::FusedModel& model) {
  SCOPED_TRACE(model.name);
  // Batchnorm kept (not folded, as `inference` would) so the epilogue is tested.
  ir::Graph fused = load_text(model.name, model.text, "inference-unfused,fuse");
  ir::Graph plain = load_text(model.name, model.text, "inference-unfused");
  perturb_batchnorm(fused);
  perturb_batchnorm(plain);
  ASSERT_GT(fused_nodes(fused), 0u) << "the fusion pass formed no group";
  std::mt19937 rng(5);
  std::vector<ir::Tensor> inputs{test_util::random_tensor(model.input, rng)};
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
  check_model(test_util::kResidualModel);
}

// 1x1 convolutions that expand channels on a 28x28 image: the heuristic
// runs them as matrix products over the flattened H*W axis (ConvPointwise,
// (N, C, H*W) buffers), with batchnorm, a residual add and an odd channel
// count (36) in the epilogue and tiles.
TEST(HalideFused, PointwiseOverFlattenedPixels) {
  const test_util::FusedModel& model = test_util::kPointwiseModel;
  ir::Graph g = load_text("pointwise_kinds", model.text, "inference-unfused,fuse");
  size_t pointwise = 0;
  for (auto id : g.topological_order())
    if (g.node(id).kind == ir::NodeKind::Op)
      pointwise += backends::halide::describe_kernel(g, id, 2, global_registry().ops, "", "")
                       .schedule.kind == backends::halide::ScheduleTemplate::ConvPointwise;
  EXPECT_EQ(pointwise, 3u);
  check_model(model);
}

TEST(HalideFused, ConvReluMaxPoolInTilesAndOverlappingPoolAfter) {
  check_model(test_util::kPoolsModel);
}

TEST(HalideFused, OddChannelCountsStridesAndGlobalPooling) {
  check_model(test_util::kOddModel);
}

TEST(HalideFused, DepthwiseAndPointwiseWithBatchnormRelu6) {
  check_model(test_util::kMobileModel);
}

}  // namespace
}  // namespace cnnc::halide_test
