// End-to-end: `cnnc train` and `cnnc eval` with per-channel normalization
// (--mean/--std) and --image-size, on a small .npy data set written here.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>

#include "runtime/checkpoint.h"
#include "runtime/npy.h"
#include "tests/e2e/cli_runner.h"

namespace cnnc {
namespace {

using e2e::cnnc;
using e2e::Result;
namespace fs = std::filesystem;

// Two classes of 6x6 gray images told apart by their brightness.
constexpr const char* kModel = R"(model bright
input image [N, 1, 6, 6]
flatten
dense logits units=2
softmax probs
output probs
)";

class TrainOptions : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ =
        fs::temp_directory_path() /
        ("cnnc_train_options_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
         "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    std::ofstream(path("m.cnn")) << kModel;
    std::mt19937 rng(5);
    std::uniform_real_distribution<float> noise(0.0f, 0.3f);
    ir::Tensor images(ir::Shape{64, 1, 6, 6}), labels(ir::Shape{64});
    for (int64_t i = 0; i < 64; ++i) {
      labels[i] = static_cast<float>(i % 2);
      for (int64_t p = 0; p < 36; ++p) images[i * 36 + p] = noise(rng) + 0.6f * labels[i];
    }
    npy::write(path("x.npy"), images);
    npy::write(path("y.npy"), labels);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  std::string data() const { return "npy:" + path("x.npy") + "," + path("y.npy"); }

  fs::path dir_;
};

TEST_F(TrainOptions, NormalizationIsKeptWithTheRunAndEvalAppliesIt) {
  const Result train = cnnc("train " + path("m.cnn") + " --data " + data() +
                            " --epochs 2 --batch 16 --lr 0.1 --mean 0.45 --std 0.25 --seed 1 "
                            "--no-progress --backend reference --out " +
                            path("run"));
  ASSERT_EQ(train.status, 0) << train.output;
  const training::Checkpoint c = training::read_checkpoint(path("run/checkpoint.safetensors"));
  EXPECT_EQ(c.state.at("config").at("mean"), nlohmann::json::array({0.45f}));
  EXPECT_EQ(c.state.at("config").at("std"), nlohmann::json::array({0.25f}));

  auto accuracy = [&](const std::string& extra) {
    const Result r =
        cnnc("eval " + path("m.cnn") + " --weights " + path("run/last.safetensors") + " --data " +
             data() + " --split train --json " + path("e.json") + " " + extra);
    EXPECT_EQ(r.status, 0) << r.output;
    return nlohmann::json::parse(std::ifstream(path("e.json"))).at("accuracy").get<double>();
  };
  // The classes are separable; trained on normalized pixels, the model
  // needs them normalized the same way.
  EXPECT_EQ(accuracy("--mean 0.45 --std 0.25"), 1.0);
  EXPECT_LT(accuracy(""), 1.0);
}

TEST_F(TrainOptions, BadNormalizationAndImageSizeAreUsageErrors) {
  const std::string base = "train " + path("m.cnn") + " --data " + data() +
                           " --epochs 1 --no-progress --backend reference --out " + path("bad") +
                           " ";
  Result r = cnnc(base + "--std 0");
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_HAS(r.output, "--std must be positive");
  r = cnnc(base + "--mean 0.1,0.2,0.3");
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_HAS(r.output, "--mean has 3 values; the images have 1 channel");
  r = cnnc(base + "--image-size 28");
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_HAS(r.output, "--image-size 28 but model 'bright' takes 6x6 images");
  r = cnnc(base + "--image-size 6x");
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_HAS(r.output, "expected N or HxW");
  r = cnnc(base + "--image-size 6x6");
  EXPECT_EQ(r.status, 0) << r.output;
}

TEST_F(TrainOptions, TheDefaultBackendIsHalideWhenItLowersTheWholeTrainingGraph) {
  const Result r = cnnc("train " + path("m.cnn") + " --data " + data() +
                        " --epochs 1 --batch 16 --no-progress --out " + path("run"));
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_HAS(r.output, "backend halide");
  const training::Checkpoint c = training::read_checkpoint(path("run/checkpoint.safetensors"));
  EXPECT_EQ(c.state.at("config").at("backend"), "halide");  // --resume keeps it
}

}  // namespace
}  // namespace cnnc
