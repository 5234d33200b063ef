// Whole models through the Halide backend equal the reference (LeNet-5 and
// a ResNet basic block, parsed from text with seeded He initialization);
// one executable serves several batch sizes; errors name the layer.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "runtime/model.h"
#include "runtime/registry.h"
#include "tests/halide/sweep.h"

namespace cnnc::halide_test {
namespace {

namespace fs = std::filesystem;

ir::Graph load(const std::string& path) {
  ModelOptions options;
  options.init = "he";
  options.seed = 5;
  return load_model(path, global_registry(), options);
}

void expect_same_as_reference(const ir::Graph& g, backends::Executable& halide,
                              std::vector<ir::Tensor> inputs) {
  auto want = global_registry().backends.find("reference")->compile(g, {})->run(inputs);
  auto got = halide.run(inputs);
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i)
    EXPECT_TRUE(test_util::tensors_near(got[i], want[i], kTolerance))
        << g.name << " output " << i << ", batch " << inputs[0].shape()[0];
}

TEST(HalideModel, RegisteredNextToTheReference) {
  auto* halide = global_registry().backends.find("halide");
  ASSERT_NE(halide, nullptr);
  EXPECT_EQ(halide->name(), "halide");
  EXPECT_NE(halide->description().find("Halide"), std::string::npos);
}

TEST(HalideModel, LeNet5EqualsTheReferenceAtTwoBatchSizes) {
  ir::Graph g = load(std::string(CNNC_SOURCE_DIR) + "/examples/models/lenet5.cnn");
  auto exe = global_registry().backends.find("halide")->compile(g, {});
  std::mt19937 rng(11);
  expect_same_as_reference(g, *exe, {test_util::random_tensor({2, 1, 28, 28}, rng, 0, 1)});
  // A new batch size is lowered and compiled again; the first stays cached.
  expect_same_as_reference(g, *exe, {test_util::random_tensor({5, 1, 28, 28}, rng, 0, 1)});
  expect_same_as_reference(g, *exe, {test_util::random_tensor({2, 1, 28, 28}, rng, 0, 1)});
}

TEST(HalideModel, ResNetBasicBlocksEqualTheReference) {
  fs::path dir = fs::path(CNNC_BINARY_DIR) / "halide_test";
  fs::create_directories(dir);
  std::string path = (dir / "resnet_block.cnn").string();
  std::ofstream(path) << R"(model resnet_block
block basic(width) {
  conv2d    conv_a filters=width kernel=3 pad=1 bias=false
  batchnorm bn_a
  relu
  conv2d    conv_b filters=width kernel=3 pad=1 bias=false
  batchnorm bn_b
  add       sum from=bn_b,in
  relu      out
}
block basic_down(width, stride=2) {
  conv2d    conv_a filters=width kernel=3 stride=stride pad=1 bias=false
  batchnorm bn_a
  relu
  conv2d    conv_b filters=width kernel=3 pad=1 bias=false
  batchnorm bn_b
  conv2d    down filters=width kernel=1 stride=stride bias=false from=in
  batchnorm down_bn
  add       sum from=bn_b,down_bn
  relu      out
}
input image [N, 3, 19, 19]
conv2d    stem filters=8 kernel=3 pad=1 bias=false
batchnorm bn1
relu
maxpool   pool1 kernel=3 stride=2 pad=1
basic      stage1 width=8
basic_down stage2 width=16
global_avgpool pool
flatten
dense   fc units=10
output  fc
)";
  ir::Graph g = load(path);
  auto exe = global_registry().backends.find("halide")->compile(g, {});
  std::mt19937 rng(12);
  expect_same_as_reference(g, *exe, {test_util::random_tensor({3, 3, 19, 19}, rng)});
}

TEST(HalideModel, OpWithoutLoweringIsRejectedAtCompileNamingTheLayer) {
  ir::Graph g;
  g.name = "unlowered";
  ir::Node in{.kind = ir::NodeKind::Input, .name = "x"};
  in.outputs = {ir::Shape{N, 4}};
  auto x = g.add_node(std::move(in));
  ir::Node op{.kind = ir::NodeKind::Op, .name = "mystery_layer", .op = "swish"};
  op.outputs = {ir::Shape{N, 4}};
  auto id = g.add_node(std::move(op));
  g.connect({x, 0}, id, 0);
  g.add_output({id, 0});
  try {
    global_registry().backends.find("halide")->compile(g, {});
    FAIL() << "compiled an op with no lowering";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(
        std::string(e.what()).find("layer 'mystery_layer': op 'swish' has no Halide lowering"),
        std::string::npos)
        << e.what();
  }
}

TEST(HalideModel, MissingWeightsAndWrongInputShapesAreErrors) {
  ir::Graph g = parse_model_file(std::string(CNNC_SOURCE_DIR) + "/examples/models/lenet5.cnn",
                                 global_registry());
  EXPECT_THROW(global_registry().backends.find("halide")->compile(g, {}), std::runtime_error);
  ir::Graph loaded = load(std::string(CNNC_SOURCE_DIR) + "/examples/models/lenet5.cnn");
  auto exe = global_registry().backends.find("halide")->compile(loaded, {});
  std::vector<ir::Tensor> wrong{ir::Tensor(ir::Shape{1, 1, 27, 28})};
  EXPECT_THROW(exe->run(wrong), std::invalid_argument);
}

// Every built-in op has a lowering except those listed here with the reason.
TEST(HalideModel, EveryBuiltinOpIsLoweredButTheListedOnes) {
  const std::set<std::string> not_lowered{
      "fused",  // the fusion pass's composite node: lowering its body as one kernel is next
  };
  auto lowered = backends::halide::lowered_ops();
  std::set<std::string> have(lowered.begin(), lowered.end());
  for (const auto& op : global_registry().ops.names()) {
    if (not_lowered.count(op))
      EXPECT_FALSE(have.count(op)) << op << " is lowered now: drop it from the list";
    else
      EXPECT_TRUE(have.count(op)) << "op '" << op << "' has no Halide lowering";
  }
}

}  // namespace
}  // namespace cnnc::halide_test
