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

#include "tests/e2e/cli_runner.h"

namespace cnnc {
namespace {

namespace fs = std::filesystem;

using e2e::cnnc;
using e2e::Result;

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
  auto r = cnnc("run " + model + " --backend reference --weights " + tmp("w.safetensors") +
                " --input " + tmp("x.npy") + " --output " + tmp("y.npy"));
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
  auto r = cnnc("--plugin " + std::string(CNNC_SWISH_PLUGIN) + " run --backend reference " + model +
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

// `cnnc inspect --pipeline inference`: a fused node shows its body's
// members, parameters and MACs, so the totals are those of the layers.
TEST_F(Cli, InspectFusedNodesCountTheirBody) {
  std::string model = source("examples/models/lenet5.cnn");
  auto plain = cnnc("inspect --json " + model);
  auto fused = cnnc("inspect --json --pipeline inference " + model);
  ASSERT_EQ(plain.status, 0) << plain.output;
  ASSERT_EQ(fused.status, 0) << fused.output;
  auto p = nlohmann::json::parse(plain.output), f = nlohmann::json::parse(fused.output);
  EXPECT_EQ(f["macs_per_item"], p["macs_per_item"]);
  EXPECT_EQ(f["total_params"], p["total_params"]);
  EXPECT_LT(f["layers"].size(), p["layers"].size());
  auto layer = [](const nlohmann::json& j, const std::string& name) {
    for (const auto& l : j["layers"])
      if (l["name"] == name) return l;
    return nlohmann::json();
  };
  auto p1 = layer(f, "p1"), c1 = layer(p, "c1"), pool = layer(p, "p1");
  ASSERT_FALSE(p1.is_null()) << fused.output;
  EXPECT_EQ(p1["op"], "fused");
  EXPECT_EQ(p1["body"], "c1+p1");
  EXPECT_GT(c1["macs"].get<int64_t>(), 0);
  EXPECT_EQ(p1["macs"].get<int64_t>(), c1["macs"].get<int64_t>() + pool["macs"].get<int64_t>());
  EXPECT_EQ(p1["params"], c1["params"]);

  auto text = cnnc("inspect --pipeline inference " + model);
  ASSERT_EQ(text.status, 0) << text.output;
  EXPECT_NE(text.output.find("fused: c1+p1"), std::string::npos) << text.output;
  EXPECT_NE(text.output.find("MACs per image:          416,520"), std::string::npos) << text.output;
}

// The op nodes of `model` after `pipeline`: the kernels the reference
// backend runs and profiles.
std::vector<std::string> op_nodes(const std::string& model, const std::string& pipeline) {
  ModelOptions options;
  options.pipeline = pipeline;
  ir::Graph g = load_model(model, global_registry(), options);
  std::vector<std::string> names;
  for (ir::NodeId id = 0; id < g.size(); ++id)
    if (g.node(id).kind == ir::NodeKind::Op) names.push_back(g.node(id).name);
  return names;
}

const nlohmann::json* find_kernel(const nlohmann::json& j, const std::string& name) {
  for (const auto& k : j["kernels"])
    if (k["name"] == name) return &k;
  return nullptr;
}

TEST_F(Cli, BenchPrintsLatencyThroughputAndKernels) {
  auto r = cnnc("bench " + source("examples/models/lenet5.cnn") +
                " --backend reference --pipeline inference-unfused --batch 2 --iters 3 --warmup 1 "
                "--profile-iters 2");
  ASSERT_EQ(r.status, 0) << r.output;
  for (const char* want :
       {"model lenet5", "batch 2", "reference:", "compile ", "latency      median ", " p90 ",
        "(3 runs after 1 warm-up)", " images/s, ", " GFLOP/s\n", "peak memory",
        "weights 241.0 KiB, 416,520 MACs per image", "reference kernels, median of 2 profiled runs",
        "GFLOP/s", "total"})
    EXPECT_NE(r.output.find(want), std::string::npos) << want << "\n" << r.output;
  // One row per layer, with its op.
  for (const auto& name : op_nodes(source("examples/models/lenet5.cnn"), "inference"))
    EXPECT_NE(r.output.find("\n  " + name + " "), std::string::npos) << name << "\n" << r.output;
  EXPECT_NE(r.output.find(" conv2d "), std::string::npos) << r.output;
}

TEST_F(Cli, BenchJsonHasStableKeysAndOneKernelPerNode) {
  std::string model = source("examples/models/lenet5.cnn");
  for (std::string pipeline : {"inference-unfused", "inference"}) {
    auto r = cnnc("bench --backend reference " + model + " --pipeline " + pipeline +
                  " --batch 4 --iters 3 --warmup 0 --profile-iters 2 --json");
    ASSERT_EQ(r.status, 0) << r.output;
    auto j = nlohmann::json::parse(r.output);
    for (const char* key :
         {"model", "backend", "batch", "threads", "iters", "median_ms", "p90_ms", "min_ms",
          "mean_ms", "images_per_s", "compile_s", "compile_backend_s", "first_run_s",
          "peak_memory_bytes", "weight_bytes", "macs_per_item", "gflops", "kernels"})
      EXPECT_TRUE(j.contains(key)) << key << "\n" << r.output;
    EXPECT_FALSE(j.contains("compare"));
    EXPECT_EQ(j["model"], "lenet5");
    EXPECT_EQ(j["backend"], "reference");
    EXPECT_EQ(j["batch"], 4);
    EXPECT_EQ(j["iters"], 3);
    EXPECT_EQ(j["weight_bytes"], 61706 * 4);
    EXPECT_EQ(j["macs_per_item"], 416520);
    double median = j["median_ms"];
    EXPECT_GT(median, 0);
    EXPECT_LE(j["min_ms"].get<double>(), median);
    EXPECT_GE(j["p90_ms"].get<double>(), median);
    EXPECT_NEAR(j["images_per_s"].get<double>(), 4 / (median / 1e3), 1e-6 * (4e3 / median));
    EXPECT_GT(j["compile_s"].get<double>(), 0);
    // At least the input and p1's output live at once (c1's only when not fused).
    EXPECT_GE(j["peak_memory_bytes"].get<int64_t>(), 4 * (1 * 28 * 28 + 6 * 14 * 14) * 4);

    auto nodes = op_nodes(model, pipeline);
    ASSERT_EQ(j["kernels"].size(), nodes.size()) << r.output;
    double percent = 0;
    for (const auto& name : nodes) {
      const auto* k = find_kernel(j, name);
      ASSERT_NE(k, nullptr) << name << "\n" << r.output;
      EXPECT_GT((*k)["median_ms"].get<double>(), 0) << name;
      percent += (*k)["percent"].get<double>();
    }
    EXPECT_NEAR(percent, 100.0, 1e-6);
    // Sorted by time, slowest first.
    for (size_t i = 1; i < j["kernels"].size(); ++i)
      EXPECT_GE(j["kernels"][i - 1]["median_ms"].get<double>(),
                j["kernels"][i]["median_ms"].get<double>());
    // MACs at the batch; a fused kernel's are its body's.
    const auto* conv = find_kernel(j, pipeline == "inference-unfused" ? "c1" : "p1");
    ASSERT_NE(conv, nullptr);
    EXPECT_EQ((*conv)["macs"], 4 * 6 * 28 * 28 * 25);
    EXPECT_TRUE((*conv)["gflops"].is_number()) << r.output;
    EXPECT_EQ((*conv)["op"], pipeline == "inference-unfused" ? "conv2d" : "c1+p1");
  }
}

// Two backends run interleaved: the speedup is printed and their outputs
// compared. Reference against itself agrees exactly.
TEST_F(Cli, BenchComparesBackends) {
  std::string model = source("examples/models/lenet5.cnn");
  auto r = cnnc("bench " + model + " --backend reference --compare halide --iters 2 --warmup 0 " +
                "--profile-iters 1");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("halide:"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("interleaved"), std::string::npos) << r.output;
  double ratio = 0;
  auto at = r.output.find("speedup of reference over halide: ");
  ASSERT_NE(at, std::string::npos) << r.output;
  EXPECT_EQ(std::sscanf(r.output.c_str() + at, "speedup of reference over halide: %lfx", &ratio),
            1);
  EXPECT_GT(ratio, 0);
  EXPECT_NE(r.output.find("outputs agree: max abs diff "), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("halide kernels, median of 1 profiled runs"), std::string::npos)
      << r.output;

  auto j = cnnc("bench --backend reference " + model +
                " --compare reference --iters 2 --warmup 0 --json");
  ASSERT_EQ(j.status, 0) << j.output;
  auto json = nlohmann::json::parse(j.output);
  ASSERT_TRUE(json["compare"].is_object()) << j.output;
  const auto& c = json["compare"];
  EXPECT_EQ(c["backend"], "reference");
  EXPECT_GT(c["median_ms"].get<double>(), 0);
  EXPECT_NEAR(c["speedup"].get<double>(),
              c["median_ms"].get<double>() / json["median_ms"].get<double>(), 1e-9);
  EXPECT_EQ(c["max_abs_diff"], 0.0);
  EXPECT_EQ(c["max_rel_diff"], 0.0);
  EXPECT_EQ(c["outputs_agree"], true);
  EXPECT_EQ(c["kernels"].size(), json["kernels"].size());
}

TEST_F(Cli, BenchRejectsBadInput) {
  std::string model = source("examples/models/lenet5.cnn");
  struct Case {
    std::string args;
    int status;
    std::string message;
  };
  for (const auto& c : std::vector<Case>{
           {model + " --backend halid", 2, "unknown backend 'halid'; registered: "},
           {model + " --compare halid", 2, "unknown backend 'halid'"},
           {model + " --batch 0", 2, "--batch must be at least 1, got 0"},
           {model + " --batch -3", 2, "--batch must be at least 1, got -3"},
           {model + " --iters 0", 2, "--iters must be at least 1, got 0"},
           {model + " --warmup -1", 2, "--warmup must not be negative"},
           {model + " --weights w.safetensors --init he", 2, "give --weights or --init, not both"},
           {model + " --weights " + tmp("missing.safetensors"), 1, "missing.safetensors"},
           {tmp("nope.cnn"), 1, "nope.cnn: cannot open model file"},
           {source("tests/errors/add_channel_mismatch.cnn"), 1, "add_channel_mismatch.cnn:"},
           {model + " --batch two", 2, "--batch"},
       }) {
    bool sets_iters = c.args.find("--iters") != std::string::npos;
    auto r = cnnc("bench " + c.args + (sets_iters ? "" : " --iters 1"));
    EXPECT_EQ(r.status, c.status) << c.args << "\n" << r.output;
    EXPECT_NE(r.output.find(c.message), std::string::npos) << c.args << "\n" << r.output;
  }
}

}  // namespace
}  // namespace cnnc
