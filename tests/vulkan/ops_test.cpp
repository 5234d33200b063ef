// Every op the Vulkan backend has a shader for, against the reference
// backend over random shapes, on this machine's default device (lavapipe
// in CI) with the validation layer on: a run during which it says anything
// fails. Ops without a shader are refused at compile time, naming the layer.
#include <gtest/gtest.h>

#include <cstdlib>
#include <random>

#include "backends/reference/reference_backend.h"
#include "backends/vulkan/vulkan_backend.h"
#include "tests/backends/test_util.h"

namespace cnnc::backends::vulkan {
namespace {

using test_util::Attrs;
using test_util::random_int;

class VulkanOps : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { ::setenv("CNNC_VULKAN_VALIDATION", "1", 1); }

  // One layer of `op` on inputs of `shapes` (N = the batch), random
  // parameters; both backends run it on the same random inputs.
  void check(const std::string& op, const std::vector<ir::Shape>& shapes, const Attrs& given = {},
             int64_t batch = 3) {
    ir::Graph g;
    g.name = op;
    const ir::AttrMap attrs = h_.attrs(op, given);
    std::vector<ir::Shape> in_shapes;
    std::vector<ir::NodeId> ins;
    std::vector<ir::Tensor> inputs;
    for (size_t i = 0; i < shapes.size(); ++i) {
      ir::Node in{.kind = ir::NodeKind::Input, .name = "x" + std::to_string(i)};
      in.outputs = {shapes[i]};
      in_shapes.push_back(shapes[i]);
      ins.push_back(g.add_node(std::move(in)));
      inputs.push_back(test_util::random_tensor(shapes[i].with_batch(batch), rng_));
    }
    if (h_.def(op).params)
      for (const auto& spec : h_.def(op).params(ir::OpContext{attrs, in_shapes, shapes.size()})) {
        ir::Node p{.kind = ir::NodeKind::Param, .name = "l." + spec.suffix};
        p.outputs = {spec.shape};
        p.param = spec;
        p.value = test_util::random_tensor(spec.shape, rng_);
        if (spec.suffix == "running_var")  // variances are positive: [-1, 1] -> [0.5, 1.5]
          for (float& v : p.value->data()) v = 1.0f + 0.5f * v;
        in_shapes.push_back(spec.shape);
        ins.push_back(g.add_node(std::move(p)));
      }
    ir::Node node{.kind = ir::NodeKind::Op, .name = "l", .op = op, .attrs = attrs};
    node.outputs = h_.def(op).infer(ir::OpContext{attrs, in_shapes, shapes.size()});
    const ir::NodeId id = g.add_node(std::move(node));
    for (size_t i = 0; i < ins.size(); ++i) g.connect({ins[i], 0}, id, static_cast<int>(i));
    g.add_output({id, 0});

    auto reference = reference::make_reference_backend(h_.kernels());
    const auto want = reference->compile(g, {})->run(inputs);
    const auto got = vulkan_->compile(g, {.schedule = schedule_})->run(inputs);
    EXPECT_TRUE(test_util::tensors_near(got.at(0), want.at(0), 1e-4, attrs)) << op;
  }

  test_util::Harness h_;
  std::unique_ptr<Backend> vulkan_ = make_vulkan_backend(h_.ops());
  std::mt19937 rng_{17};
  std::string schedule_;  // "direct": convolution one output per invocation
};

TEST_F(VulkanOps, Activations) {
  for (const char* act : {"relu", "relu6", "leaky_relu", "tanh", "sigmoid", "elu"})
    check(act, {ir::Shape{ir::kBatch, 3, 7, 5}});
  check("leaky_relu", {ir::Shape{ir::kBatch, 100}}, {{"alpha", 0.2}});
  check("elu", {ir::Shape{ir::kBatch, 100}}, {{"alpha", 0.5}});
}

TEST_F(VulkanOps, AddMulFlattenReshape) {
  check("add", {ir::Shape{ir::kBatch, 4, 9}, ir::Shape{ir::kBatch, 4, 9}});
  check("mul", {ir::Shape{ir::kBatch, 65}, ir::Shape{ir::kBatch, 65}});
  check("flatten", {ir::Shape{ir::kBatch, 3, 5, 7}});
  check("reshape", {ir::Shape{ir::kBatch, 3, 5, 7}}, {{"shape", std::vector<int64_t>{7, 15}}});
}

TEST_F(VulkanOps, DenseOverRandomShapes) {
  const char* acts[] = {"none", "relu", "tanh", "sigmoid"};
  for (int i = 0; i < 8; ++i)
    check("dense", {ir::Shape{ir::kBatch, random_int(rng_, 1, 300)}},
          {{"units", random_int(rng_, 1, 130)},
           {"bias", i % 3 != 0},
           {"act", std::string(acts[i % 4])}},
          random_int(rng_, 1, 9));
}

TEST_F(VulkanOps, SoftmaxAndLogSoftmaxAlongTheLastAxis) {
  for (int64_t classes : {1, 2, 10, 1000}) {
    check("softmax", {ir::Shape{ir::kBatch, classes}});
    check("log_softmax", {ir::Shape{ir::kBatch, classes}});
  }
}

TEST_F(VulkanOps, Conv2dOverRandomWindows) {
  using Ints = std::vector<int64_t>;
  const char* acts[] = {"none", "relu", "leaky_relu"};
  for (int i = 0; i < 10; ++i) {
    const int64_t groups = random_int(rng_, 1, 2), k = random_int(rng_, 1, 3);
    const int64_t d = random_int(rng_, 1, 2), size = random_int(rng_, 4 * d + 1, 13);
    check("conv2d", {ir::Shape{ir::kBatch, groups * random_int(rng_, 1, 3), size, size + 1}},
          {{"filters", groups * random_int(rng_, 1, 4)},
           {"kernel", Ints{k, random_int(rng_, 1, 3)}},
           {"stride", Ints{random_int(rng_, 1, 2), random_int(rng_, 1, 3)}},
           {"pad", Ints{random_int(rng_, 0, k - 1), random_int(rng_, 0, 1)}},
           {"dilation", Ints{d, 1}},
           {"groups", groups},
           {"bias", i % 3 != 0},
           {"act", std::string(acts[i % 3])}},
          random_int(rng_, 1, 3));
  }
  check(
      "conv2d", {ir::Shape{ir::kBatch, 1, 28, 28}},
      {{"filters", 6}, {"kernel", Ints{5, 5}}, {"pad", Ints{2, 2}}, {"act", std::string("relu")}});
}

// Every kernel choice of the convolution: one output per invocation,
// register tiles, and shared-memory GEMM tiles of several shapes (tiles
// larger and smaller than the layer, reduction slices that do not divide
// it, one-invocation register blocks).
TEST_F(VulkanOps, ConvolutionAndDenseUnderEveryScheduleAndTileShape) {
  using Ints = std::vector<int64_t>;
  for (const char* schedule : {"", "direct", "register", "gemm", "gemm:64x64x16:4x4",
                               "gemm:32x16x8:2x2", "gemm:16x32x5:4x1", "gemm:8x8x3:1x1"}) {
    SCOPED_TRACE(schedule);
    schedule_ = schedule;
    for (int i = 0; i < 4; ++i) {
      const int64_t groups = random_int(rng_, 1, 2), k = random_int(rng_, 1, 3);
      const int64_t size = random_int(rng_, 5, 12);
      check("conv2d", {ir::Shape{ir::kBatch, groups * random_int(rng_, 1, 5), size, size + 2}},
            {{"filters", groups * random_int(rng_, 1, 20)},
             {"kernel", Ints{k, random_int(rng_, 1, 3)}},
             {"stride", Ints{random_int(rng_, 1, 2), 1}},
             {"pad", Ints{random_int(rng_, 0, k - 1), random_int(rng_, 0, 1)}},
             {"dilation", Ints{random_int(rng_, 1, 2), 1}},
             {"groups", groups},
             {"bias", i % 2 == 0},
             {"act", std::string(i % 3 ? "relu" : "none")}},
            random_int(rng_, 1, 3));
      check("dense", {ir::Shape{ir::kBatch, random_int(rng_, 1, 150)}},
            {{"units", random_int(rng_, 1, 70)}, {"bias", i % 2 == 1}}, random_int(rng_, 1, 9));
    }
  }
}

TEST_F(VulkanOps, ABadScheduleIsRefusedSayingWhy) {
  for (const auto& [schedule, why] : std::vector<std::pair<std::string, std::string>>{
           {"fastest", "unknown Vulkan schedule 'fastest'"},
           {"gemm:64x64", "tile sizes are written TMxTNxTK"},
           {"gemm:64x64x16:3x4", "does not divide the tile"},
           {"gemm:512x512x16:1x1", "invocations per workgroup"},
           {"gemm:64x64x512:4x4", "bytes of shared memory"}}) {
    schedule_ = schedule;
    try {
      check("dense", {ir::Shape{ir::kBatch, 4}}, {{"units", int64_t{3}}});
      ADD_FAILURE() << schedule << ": no error";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find(why), std::string::npos) << e.what();
    }
  }
}

TEST_F(VulkanOps, PoolingOverRandomWindowsAndGlobalPools) {
  using Ints = std::vector<int64_t>;
  for (int i = 0; i < 10; ++i) {
    const int64_t k = random_int(rng_, 1, 3);
    Attrs attrs{{"kernel", Ints{k, k + 1}},
                {"stride", Ints{random_int(rng_, 1, 3), random_int(rng_, 1, 2)}},
                {"pad", Ints{random_int(rng_, 0, k / 2), 0}},
                {"ceil_mode", i % 3 == 0}};
    if (i % 2) attrs["count_include_pad"] = i % 4 == 1;
    check(i % 2 ? "avgpool" : "maxpool",
          {ir::Shape{ir::kBatch, random_int(rng_, 1, 3), random_int(rng_, 4, 11),
                     random_int(rng_, 4, 11)}},
          attrs);
  }
  for (const char* op : {"global_avgpool", "global_maxpool"})
    check(op, {ir::Shape{ir::kBatch, 5, 7, 6}});
}

TEST_F(VulkanOps, BatchnormDropoutConcat) {
  check("batchnorm", {ir::Shape{ir::kBatch, 5, 6, 7}});
  check("batchnorm", {ir::Shape{ir::kBatch, 9}}, {{"eps", 1e-3}});
  check("dropout", {ir::Shape{ir::kBatch, 4, 3}}, {{"rate", 0.5}});
  check("concat", {ir::Shape{ir::kBatch, 2, 5, 5}, ir::Shape{ir::kBatch, 3, 5, 5}});
  check("concat",
        {ir::Shape{ir::kBatch, 2, 3, 4}, ir::Shape{ir::kBatch, 2, 1, 4},
         ir::Shape{ir::kBatch, 2, 6, 4}},
        {{"axis", int64_t{2}}});
}

// The op is the test's own, registered as a plugin registers one: any
// built-in op may get a shader, an op the backend has never heard of never
// does.
// More workgroups than one grid row holds (lavapipe's limit is Vulkan's
// minimum, 65535 of 64 invocations): the dispatch spreads over rows.
TEST_F(VulkanOps, DispatchesLargerThanOneRowOfWorkgroups) {
  const int64_t elements = 65535 * 64 + 1000;
  check("relu", {ir::Shape{ir::kBatch, elements}}, {}, 1);
  check("add", {ir::Shape{ir::kBatch, elements}, ir::Shape{ir::kBatch, elements}}, {}, 1);
}

// A discrete GPU's memory path on lavapipe: device-local arenas the host
// does not map, inputs, outputs and parameters through staging buffers.
TEST_F(VulkanOps, StagingBuffersAsOnADiscreteGpu) {
  ::setenv("CNNC_VULKAN_STAGING", "1", 1);
  vulkan_ = make_vulkan_backend(h_.ops());  // the variable is read when the device opens
  using Ints = std::vector<int64_t>;
  check("conv2d", {ir::Shape{ir::kBatch, 5, 9, 8}},
        {{"filters", int64_t{40}}, {"kernel", Ints{3, 3}}, {"pad", Ints{1, 1}}});
  check("dense", {ir::Shape{ir::kBatch, 37}}, {{"units", int64_t{11}}}, 5);
  check("concat", {ir::Shape{ir::kBatch, 2, 3}, ir::Shape{ir::kBatch, 4, 3}});
  ::unsetenv("CNNC_VULKAN_STAGING");
  vulkan_ = make_vulkan_backend(h_.ops());
}

TEST_F(VulkanOps, AnOpWithoutAShaderIsRefusedNamingTheLayer) {
  ir::OpRegistry ops;
  ir::register_builtin_ops(ops);
  ir::OpDef def;
  def.name = "test_only_identity";
  def.summary = "its input, unchanged (this test's op, without a Vulkan kernel)";
  def.kind = ir::PatternKind::Elementwise;
  def.infer = [](const ir::OpContext& ctx) { return std::vector<ir::Shape>{ctx.input(0)}; };
  def.macs = [](const ir::OpContext&, std::span<const ir::Shape>) { return int64_t{0}; };
  ops.add(std::move(def));

  ir::Graph g;
  g.name = "unknown_op";
  ir::Node in{.kind = ir::NodeKind::Input, .name = "x"};
  in.outputs = {ir::Shape{ir::kBatch, 3, 4, 4}};
  const ir::NodeId x = g.add_node(std::move(in));
  ir::Node node{.kind = ir::NodeKind::Op, .name = "l", .op = "test_only_identity"};
  node.outputs = {ir::Shape{ir::kBatch, 3, 4, 4}};
  const ir::NodeId id = g.add_node(std::move(node));
  g.connect({x, 0}, id, 0);
  g.add_output({id, 0});
  try {
    make_vulkan_backend(ops)->compile(g, {});
    ADD_FAILURE() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(
        std::string(e.what()).find("layer 'l': op 'test_only_identity' has no Vulkan kernel yet"),
        std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace cnnc::backends::vulkan
