// End-to-end: `cnnc run --backend vulkan` on lavapipe gives the reference
// backend's outputs for what it covers (fused groups of the inference
// pipeline included), and refuses the rest naming the layer.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>

#include "runtime/npy.h"
#include "tests/e2e/cli_runner.h"

namespace cnnc {
namespace {

using e2e::cnnc;
using e2e::Result;
namespace fs = std::filesystem;

TEST(Vulkan, RunMatchesTheReferenceWithTheValidationLayerOn) {
  const fs::path dir = fs::temp_directory_path() / "cnnc_vulkan_e2e";
  fs::create_directories(dir);
  std::ofstream(dir / "mlp.cnn") << R"(model mlp
input x [N, 1, 4, 4]
flatten
dense h units=32 act=relu
dense h2 units=16 act=tanh
dense logits units=5
softmax probs
output probs
)";
  std::mt19937 rng(2);
  std::normal_distribution<float> normal;
  ir::Tensor x(ir::Shape{3, 1, 4, 4});
  for (float& v : x.data()) v = normal(rng);
  npy::write((dir / "x.npy").string(), x);
  const std::string base = (dir / "mlp.cnn").string() + " --init he --seed 4 --input " +
                           (dir / "x.npy").string() + " --output ";
  ::setenv("CNNC_VULKAN_VALIDATION", "1", 1);
  const Result v = cnnc("run " + base + (dir / "v.npy").string() + " --backend vulkan");
  ::unsetenv("CNNC_VULKAN_VALIDATION");
  ASSERT_EQ(v.status, 0) << v.output;
  const Result r = cnnc("run " + base + (dir / "r.npy").string() + " --backend reference");
  ASSERT_EQ(r.status, 0) << r.output;
  const ir::Tensor got = npy::read((dir / "v.npy").string()),
                   want = npy::read((dir / "r.npy").string());
  ASSERT_EQ(got.shape(), want.shape());
  for (int64_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], want[i], 1e-5) << i;
  fs::remove_all(dir);
}

// Convolutions with batchnorm (folded), a residual add, an inception-like
// concat, pooling of both kinds and a classifier: the model families the
// shaders cover, against the reference.
TEST(Vulkan, ASmallResidualInceptionNetMatchesTheReference) {
  const fs::path dir = fs::temp_directory_path() / "cnnc_vulkan_e2e_res";
  fs::create_directories(dir);
  std::ofstream(dir / "net.cnn") << R"(model net
input x [N, 3, 16, 16]
conv2d stem filters=8 kernel=3 pad=1 bias=false
batchnorm bn
relu r
conv2d a filters=8 kernel=3 pad=1 act=relu
conv2d b filters=8 kernel=3 pad=1
add sum from=b,r
relu out1
conv2d one filters=4 kernel=1 from=out1
conv2d three filters=6 kernel=3 pad=1 from=out1
maxpool mp kernel=3 stride=1 pad=1 from=out1
concat cat from=one,three,mp
avgpool ap kernel=2
conv2d down filters=8 kernel=3 stride=2 pad=1 groups=2 act=relu
global_avgpool g
flatten
dense logits units=7
softmax probs
output probs
)";
  std::mt19937 rng(4);
  std::normal_distribution<float> normal;
  ir::Tensor x(ir::Shape{2, 3, 16, 16});
  for (float& v : x.data()) v = normal(rng);
  npy::write((dir / "x.npy").string(), x);
  const std::string base = (dir / "net.cnn").string() + " --init he --seed 2 --input " +
                           (dir / "x.npy").string() + " --output ";
  const Result v = cnnc("run " + base + (dir / "v.npy").string() + " --backend vulkan");
  ASSERT_EQ(v.status, 0) << v.output;
  const Result r = cnnc("run " + base + (dir / "r.npy").string() + " --backend reference");
  ASSERT_EQ(r.status, 0) << r.output;
  const ir::Tensor got = npy::read((dir / "v.npy").string());
  const ir::Tensor want = npy::read((dir / "r.npy").string());
  ASSERT_EQ(got.shape(), want.shape());
  for (int64_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], want[i], 1e-5) << i;
  fs::remove_all(dir);
}

TEST(Vulkan, LeNetRunsAndAPluginOpWithoutAShaderIsRefusedNamingTheLayer) {
  const std::string lenet = std::string(CNNC_SOURCE_DIR) +
                            "/examples/models/lenet5.cnn --init he --seed 1 --input " +
                            CNNC_SOURCE_DIR + "/examples/images/digit7.png --top 3 ";
  const Result v = cnnc("run " + lenet + "--backend vulkan");
  const Result ref = cnnc("run " + lenet + "--backend reference");
  ASSERT_EQ(v.status, 0) << v.output;
  ASSERT_EQ(ref.status, 0) << ref.output;
  // The top-3 table (class, probability to 6 places) is the same.
  EXPECT_HAS(v.output, "1. class");
  EXPECT_EQ(v.output, ref.output);

  // A plugin's op with only a reference kernel, inside a fusion group.
  const Result r =
      cnnc("--plugin " + std::string(CNNC_SWISH_PLUGIN) + " run " + CNNC_SOURCE_DIR +
           "/examples/plugins/swish/model_with_swish.cnn " + "--init he --seed 1 --input " +
           CNNC_SOURCE_DIR + "/examples/images/card.png --backend vulkan");
  EXPECT_EQ(r.status, 1) << r.output;
  EXPECT_HAS(r.output, "layer 's1': op 'swish' has no Vulkan kernel yet");
  const Result far = cnnc("run " + lenet + "--backend vulkan --device 99");
  EXPECT_EQ(far.status, 1) << far.output;
  EXPECT_HAS(far.output, "--device 99: there ");
  EXPECT_HAS(far.output, "`cnnc devices` lists them");
  EXPECT_HAS(r.output, "use --backend halide or reference");
}

TEST(Vulkan, CompareShowsEveryLayerAndTheFirstOneBeyondTheTolerance) {
  const std::string lenet = std::string(CNNC_SOURCE_DIR) +
                            "/examples/models/lenet5.cnn --init he --seed 1 --input " +
                            CNNC_SOURCE_DIR + "/examples/images/digit7.png ";
  const Result ok = cnnc("compare " + lenet + "--backends vulkan,reference");
  EXPECT_EQ(ok.status, 0) << ok.output;
  for (const char* layer : {"c1", "p1", "c2", "p2", "f1", "f2", "logits", "probs"})
    EXPECT_HAS(ok.output, std::string("\n  ") + layer + " ");
  EXPECT_HAS(ok.output, "every layer agrees within 0.0001");
  // Float sums in another order differ in the last bits: with no room for
  // that, the first layer is named and the status is 1.
  const Result strict = cnnc("compare " + lenet + "--backends vulkan,reference --tolerance 0");
  EXPECT_EQ(strict.status, 1) << strict.output;
  EXPECT_HAS(strict.output, "first layer beyond the tolerance: c1");
  const Result usage = cnnc("compare " + lenet + "--backends vulkan");
  EXPECT_EQ(usage.status, 2) << usage.output;
}

}  // namespace
}  // namespace cnnc
