// End-to-end: the `cnnc` command as a user runs it, checking its output,
// its exit status and the files it writes.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>

#include "backends/reference/reference_backend.h"
#include "runtime/model.h"
#include "runtime/npy.h"
#include "runtime/registry.h"
#include "runtime/weights.h"

namespace cnnc {
namespace {

namespace fs = std::filesystem;

struct Result {
  int status = -1;
  std::string output;  // stdout and stderr
};

Result cnnc(const std::string& args) {
  std::string cmd = std::string(CNNC_CLI) + " " + args + " 2>&1";
  Result r;
  FILE* pipe = popen(cmd.c_str(), "r");
  if (!pipe) return r;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) r.output.append(buf, n);
  int raw = pclose(pipe);
  r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : 128 + WTERMSIG(raw);
  return r;
}

std::string source(const std::string& rel) {
  return std::string(CNNC_SOURCE_DIR) + "/" + rel;
}

class Cli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(CNNC_BINARY_DIR) / "e2e" /
           ::testing::UnitTest::GetInstance()->current_test_info()->name();
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  std::string tmp(const std::string& name) const { return (dir_ / name).string(); }
  fs::path dir_;
};

TEST_F(Cli, InspectPrintsTableAndTotals) {
  auto r = cnnc("inspect " + source("examples/models/resnet50.cnn"));
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("trainable parameters:    25,557,032"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("stage3.5.conv_b"), std::string::npos);
  EXPECT_NE(r.output.find("peak activation memory:"), std::string::npos);
  EXPECT_NE(r.output.find("MACs per image:          4,1"), std::string::npos) << r.output;
}

TEST_F(Cli, InspectJsonForScripts) {
  auto r = cnnc("inspect --json --batch 2 " + source("examples/models/lenet5.cnn"));
  ASSERT_EQ(r.status, 0) << r.output;
  auto j = nlohmann::json::parse(r.output);
  EXPECT_EQ(j["total_params"], 61706);
  EXPECT_EQ(j["macs_per_item"], 416520);
  EXPECT_EQ(j["total_macs"], 2 * 416520);
  ASSERT_TRUE(j["layers"].is_array());
  EXPECT_EQ(j["layers"][1]["name"], "c1");
  EXPECT_EQ(j["layers"][1]["output_shape"], "[N, 6, 28, 28]");
  EXPECT_EQ(j["layers"][1]["params"], 156);
  EXPECT_GT(j["peak_activation_bytes"].get<int64_t>(), 2 * 6 * 28 * 28 * 4);
}

TEST_F(Cli, RunImageWithSeededInitIsDeterministic) {
  std::string args = "run " + source("examples/models/lenet5.cnn") +
                     " --init he --seed 1 --input " + source("examples/images/digit7.png") +
                     " --top 3";
  auto a = cnnc(args), b = cnnc(args);
  ASSERT_EQ(a.status, 0) << a.output;
  EXPECT_EQ(a.output, b.output);
  EXPECT_NE(a.output.find("1. class"), std::string::npos);
  EXPECT_NE(a.output.find("3. class"), std::string::npos);
  EXPECT_EQ(a.output.find("4. class"), std::string::npos);
  auto other = cnnc("run " + source("examples/models/lenet5.cnn") + " --init he --seed 2 --input " +
                    source("examples/images/digit7.png") + " --top 3");
  EXPECT_NE(a.output, other.output);
}

TEST_F(Cli, RunWithWeightsAndNpyMatchesTheLibrary) {
  std::string model = source("examples/models/lenet5.cnn");
  ASSERT_EQ(cnnc("init " + model + " --seed 7 -o " + tmp("w.safetensors")).status, 0);
  ir::Tensor x(ir::Shape{3, 1, 28, 28});
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> u(0, 1);
  for (auto& v : x.data()) v = u(rng);
  npy::write(tmp("x.npy"), x);
  auto r = cnnc("run " + model + " --weights " + tmp("w.safetensors") + " --input " + tmp("x.npy") +
                " --output " + tmp("y.npy"));
  ASSERT_EQ(r.status, 0) << r.output;
  ir::Tensor y = npy::read(tmp("y.npy"));
  ASSERT_EQ(y.shape(), (ir::Shape{3, 10}));

  Registry& reg = global_registry();
  ModelOptions options;
  options.weights = tmp("w.safetensors");
  ir::Graph g = load_model(model, reg, options);
  auto expected = reg.backends.find("reference")->compile(g, {})->run(std::vector<ir::Tensor>{x});
  for (int64_t i = 0; i < y.size(); ++i) EXPECT_EQ(y[i], expected[0][i]);
  for (int64_t b = 0; b < 3; ++b) {
    float sum = 0;
    for (int64_t c = 0; c < 10; ++c) sum += y[b * 10 + c];
    EXPECT_NEAR(sum, 1.0f, 1e-5f);
  }
}

// The Halide backend from the command line: same top classes as the
// reference on LeNet-5, scores equal to the printed precision (1e-6, with
// 1e-5 of slack for float accumulation).
TEST_F(Cli, RunWithHalideBackendMatchesTheReference) {
  std::string args = "run " + source("examples/models/lenet5.cnn") +
                     " --init he --seed 4 --top 5 --input " + source("examples/images/digit7.png");
  auto ref = cnnc(args), hal = cnnc(args + " --backend halide");
  ASSERT_EQ(ref.status, 0) << ref.output;
  ASSERT_EQ(hal.status, 0) << hal.output;
  auto top = [](const std::string& out) {
    std::vector<std::pair<int, double>> rows;
    std::istringstream in(out);
    for (std::string line; std::getline(in, line);) {
      int rank, cls;
      double score;
      if (std::sscanf(line.c_str(), " %d. class %d %lf", &rank, &cls, &score) == 3)
        rows.emplace_back(cls, score);
    }
    return rows;
  };
  auto want = top(ref.output), got = top(hal.output);
  ASSERT_EQ(want.size(), 5u) << ref.output;
  ASSERT_EQ(got.size(), want.size()) << hal.output;
  EXPECT_EQ(got[0].first, want[0].first) << hal.output << "\nreference:\n" << ref.output;
  for (size_t i = 0; i < want.size(); ++i) EXPECT_NEAR(got[i].second, want[i].second, 1e-5) << i;
}

TEST_F(Cli, WeightsThatDoNotFitAreNamed) {
  ASSERT_EQ(cnnc("init " + source("examples/models/lenet5.cnn") + " -o " + tmp("lenet.safetensors"))
                .status,
            0);
  auto r = cnnc("run " + source("examples/models/seq1d.cnn") + " --weights " +
                tmp("lenet.safetensors") + " --input " + source("examples/images/digit7.png"));
  EXPECT_EQ(r.status, 1) << r.output;
  EXPECT_NE(r.output.find("'c1.weight'"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("'fc.weight': missing"), std::string::npos) << r.output;

  // A truncated file is a clear error, not a crash.
  auto size = fs::file_size(tmp("lenet.safetensors"));
  fs::resize_file(tmp("lenet.safetensors"), size / 2);
  r = cnnc("run " + source("examples/models/lenet5.cnn") + " --weights " +
           tmp("lenet.safetensors") + " --input " + source("examples/images/digit7.png"));
  EXPECT_EQ(r.status, 1) << r.output;
  EXPECT_NE(r.output.find("lenet.safetensors"), std::string::npos) << r.output;
}

TEST_F(Cli, RunWithoutWeightsSaysWhatToDo) {
  auto r = cnnc("run " + source("examples/models/lenet5.cnn") + " --input " +
                source("examples/images/digit7.png"));
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.output.find("--weights"), std::string::npos) << r.output;
  r = cnnc("run " + source("examples/models/lenet5.cnn") + " --init he --input " +
           tmp("missing.png"));
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.output.find("missing.png"), std::string::npos) << r.output;
  r = cnnc("run " + source("examples/models/lenet5.cnn") + " --init he --backend halid --input " +
           source("examples/images/digit7.png"));
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.output.find("unknown backend 'halid'"), std::string::npos) << r.output;
}

TEST_F(Cli, CheckReportsAndExits) {
  auto ok = cnnc("check " + source("examples/models/googlenet.cnn"));
  EXPECT_EQ(ok.status, 0) << ok.output;
  auto bad = cnnc("check " + source("tests/errors/many_errors.cnn"));
  EXPECT_EQ(bad.status, 1);
  auto missing = cnnc("check " + tmp("nope.cnn"));
  EXPECT_EQ(missing.status, 1);
  EXPECT_NE(missing.output.find("nope.cnn: cannot open model file"), std::string::npos)
      << missing.output;
}

TEST_F(Cli, TenMegabyteLineIsRejectedQuickly) {
  {
    std::ofstream f(tmp("long.cnn"));
    f << "model m\ninput x [N, 1, 8, 8]\nrelu r " << std::string(10 * 1024 * 1024, 'a')
      << "\noutput r\n";
  }
  auto r = cnnc("check " + tmp("long.cnn"));
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(
      r.output.find(
          "long.cnn:3:1: error: line 3 is 10485767 characters long; lines are limited to 65536"),
      std::string::npos)
      << r.output.substr(0, 500);
  EXPECT_LT(r.output.size(), 2000u);
}

TEST_F(Cli, DotIsGraphviz) {
  auto r = cnnc("dot " + source("examples/models/googlenet.cnn"));
  ASSERT_EQ(r.status, 0);
  EXPECT_EQ(r.output.rfind("digraph \"googlenet\" {", 0), 0u);
  EXPECT_NE(r.output.find("i3a.cat"), std::string::npos);
  EXPECT_EQ(r.output.back(), '\n');
}

TEST_F(Cli, FormatIsCanonical) {
  for (const char* m : {"lenet5", "resnet18", "densenet121", "mobilenet_v2"}) {
    auto once = cnnc("format " + source(std::string("examples/models/") + m + ".cnn"));
    ASSERT_EQ(once.status, 0) << once.output;
    std::ofstream(tmp("f.cnn")) << once.output;
    auto twice = cnnc("format " + tmp("f.cnn"));
    EXPECT_EQ(once.output, twice.output) << m;
  }
}

TEST_F(Cli, PassFlags) {
  std::ofstream(tmp("m.cnn")) << "model m\ninput x [N, 1, 8, 8]\nflatten\ndropout drop "
                                 "rate=0.3\ndense fc units=3\noutput fc\n";
  std::string run = "run " + tmp("m.cnn") + " --init he --input " +
                    source("examples/images/digit7.png") + " --top 1";
  auto r = cnnc("--print-after=eliminate-dropout " + run);
  ASSERT_EQ(r.status, 0) << r.output;
  auto at = r.output.find("*** IR Dump After eliminate-dropout ***");
  ASSERT_NE(at, std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("dropout drop", at), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("flatten flatten_1\ndense fc units=3\n", at), std::string::npos)
      << r.output;

  r = cnnc("--print-after=fold-constants --disable-pass=eliminate-dropout " + run);
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("*** Skipped disabled pass eliminate-dropout ***"), std::string::npos)
      << r.output;
  at = r.output.find("*** IR Dump After fold-constants ***");
  ASSERT_NE(at, std::string::npos) << r.output;
  EXPECT_NE(r.output.find("dropout drop rate=0.3", at), std::string::npos) << r.output;

  r = cnnc("--print-after=fold-constant " + run);
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.output.find("fold-constants"), std::string::npos) << r.output;
}

TEST_F(Cli, ListsBackendsAndOps) {
  auto b = cnnc("backends");
  EXPECT_EQ(b.status, 0);
  EXPECT_NE(b.output.find("reference"), std::string::npos);
  auto o = cnnc("ops");
  EXPECT_NE(o.output.find("conv2d"), std::string::npos);
  EXPECT_NE(o.output.find("lrn"), std::string::npos);
  auto p = cnnc("passes");
  EXPECT_EQ(p.status, 0);
  EXPECT_NE(p.output.find("eliminate-dropout"), std::string::npos);
  EXPECT_NE(p.output.find("inference"), std::string::npos);
}

TEST_F(Cli, OpReferenceInDocsIsCurrent) {
  auto r = cnnc("ops --markdown");
  ASSERT_EQ(r.status, 0);
  std::ifstream f(source("docs/ops.md"));
  std::string doc((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  EXPECT_EQ(r.output, doc)
      << "docs/ops.md is stale: regenerate it with `cnnc ops --markdown > docs/ops.md`";
}

TEST_F(Cli, PluginAddsAnOp) {
  std::string model = source("examples/plugins/swish/model_with_swish.cnn");
  auto without = cnnc("check " + model);
  EXPECT_EQ(without.status, 1);
  EXPECT_NE(without.output.find("unknown op 'swish'"), std::string::npos) << without.output;

  ir::Tensor x(ir::Shape{2, 3, 8, 8});
  for (int64_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(i % 7) - 3.0f;
  npy::write(tmp("x.npy"), x);
  auto r = cnnc("--plugin " + std::string(CNNC_SWISH_PLUGIN) + " run " + model +
                " --init he --seed 4 --input " + tmp("x.npy") + " --output " + tmp("y.npy"));
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(npy::read(tmp("y.npy")).shape(), (ir::Shape{2, 2}));
  auto ops = cnnc("--plugin " + std::string(CNNC_SWISH_PLUGIN) + " ops");
  EXPECT_NE(ops.output.find("swish"), std::string::npos);

  auto wrong = cnnc("--plugin " + std::string(CNNC_SWISH_WRONG_PLUGIN) + " check " + model);
  EXPECT_EQ(wrong.status, 1);
  EXPECT_NE(wrong.output.find("9999"), std::string::npos) << wrong.output;
  auto env = cnnc("check " + model + " --help >/dev/null; CNNC_PLUGIN_PATH=" +
                  std::string(CNNC_SWISH_PLUGIN) + " " + std::string(CNNC_CLI) + " check " + model);
  EXPECT_EQ(env.status, 0) << env.output;
}

// Fusion from the command line: the fused pipeline prints its groups and
// computes exactly what the default pipeline computes.
TEST_F(Cli, RunFusedPipelinePrintsGroupsAndSameResults) {
  std::string model = source("examples/models/lenet5.cnn");
  ir::Tensor x(ir::Shape{2, 1, 28, 28});
  for (int64_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>((i * 37) % 101) / 100.0f;
  npy::write(tmp("x.npy"), x);
  std::string common = " --backend reference --init he --seed 3 --input " + tmp("x.npy");
  auto plain = cnnc("run " + model + " --pipeline inference-unfused" + common + " --output " +
                    tmp("plain.npy"));
  ASSERT_EQ(plain.status, 0) << plain.output;
  auto fused =
      cnnc("run " + model + " --print-after=fuse" + common + " --output " + tmp("fused.npy"));
  ASSERT_EQ(fused.status, 0) << fused.output;
  EXPECT_NE(fused.output.find("*** IR Dump After fuse ***"), std::string::npos) << fused.output;
  EXPECT_NE(fused.output.find("fused p1  # conv2d c1 filters=6 kernel=5 pad=2 act=relu; "
                              "maxpool p1 kernel=2 stride=2\n"),
            std::string::npos)
      << fused.output;
  EXPECT_NE(
      fused.output.find("fused probs  # dense logits units=10; softmax probs\noutput probs\n"),
      std::string::npos)
      << fused.output;
  EXPECT_EQ(plain.output.find("fused"), std::string::npos) << plain.output;
  ir::Tensor a = npy::read(tmp("plain.npy")), b = npy::read(tmp("fused.npy"));
  ASSERT_EQ(a.shape(), b.shape());
  for (int64_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i], b[i]) << i;

  auto typo = cnnc("run " + model + " --pipeline inference-fuse" + common);
  EXPECT_EQ(typo.status, 1) << typo.output;
  EXPECT_NE(typo.output.find("did you mean 'inference-unfused'?"), std::string::npos)
      << typo.output;
}

TEST_F(Cli, DotFusedDrawsGroupsAsClusters) {
  std::string model = source("examples/models/lenet5.cnn");
  auto plain = cnnc("dot " + model);
  ASSERT_EQ(plain.status, 0) << plain.output;
  EXPECT_EQ(plain.output.find("subgraph"), std::string::npos) << plain.output;
  auto fused = cnnc("dot --fused " + model);
  ASSERT_EQ(fused.status, 0) << fused.output;
  EXPECT_EQ(fused.output.rfind("digraph \"lenet5\" {", 0), 0u) << fused.output;
  for (const char* group : {"c1+p1", "c2+p2", "logits+probs"})
    EXPECT_NE(fused.output.find(std::string("label=\"") + group + "\";"), std::string::npos)
        << group << "\n"
        << fused.output;
  EXPECT_NE(fused.output.find("subgraph \"cluster_n"), std::string::npos) << fused.output;
  EXPECT_NE(fused.output.find("\\nconv2d\\n[N, 6, 28, 28]"), std::string::npos) << fused.output;
}

TEST_F(Cli, PluginOpFusesByItsKind) {
  std::string model = source("examples/plugins/swish/model_with_swish.cnn");
  std::string plugin = "--plugin " + std::string(CNNC_SWISH_PLUGIN) + " ";
  ir::Tensor x(ir::Shape{2, 3, 8, 8});
  for (int64_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(i % 11) - 5.0f;
  npy::write(tmp("x.npy"), x);
  std::string common = " --backend reference --init he --seed 2 --input " + tmp("x.npy");
  auto plain = cnnc(plugin + "run " + model + " --pipeline inference-unfused" + common +
                    " --output " + tmp("plain.npy"));
  ASSERT_EQ(plain.status, 0) << plain.output;
  auto fused = cnnc(plugin + "--print-after fuse run " + model + " --pipeline inference" + common +
                    " --output " + tmp("fused.npy"));
  ASSERT_EQ(fused.status, 0) << fused.output;
  EXPECT_NE(fused.output.find("# conv2d c1 filters=4 kernel=3 pad=1; swish s1; global_avgpool"),
            std::string::npos)
      << fused.output;
  ir::Tensor a = npy::read(tmp("plain.npy")), b = npy::read(tmp("fused.npy"));
  ASSERT_EQ(a.shape(), b.shape());
  for (int64_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i], b[i]) << i;
}

}  // namespace
}  // namespace cnnc
