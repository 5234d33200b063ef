// End-to-end: `cnnc train --weights-from` (transfer learning). A small conv
// net trained on a 3-class data set lends its convolutions to the same net
// with a 2-class head, which is trained on a 2-class data set with the
// convolutions frozen: the report names the new head, the frozen layers end
// bit for bit as the first run left them, the head trains, and `--resume`
// takes everything from the checkpoint without reading the file again.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>

#include "runtime/checkpoint.h"
#include "runtime/safetensors.h"

#include "tests/e2e/cli_runner.h"

namespace cnnc {
namespace {

namespace fs = std::filesystem;

using e2e::cnnc;
using e2e::Result;

// Two convolutions and a dense head of `classes` units on 8x8 gray images;
// [N, 4, 4, 4] reach the head, so logits.weight is [classes, 64].
std::string conv_model(const std::string& name, int classes) {
  return fmt::format(R"(model {}
input image [N, 1, 8, 8]
conv2d c1 filters=4 kernel=3 pad=1 act=relu
maxpool p1 kernel=2 stride=2
conv2d c2 filters=4 kernel=3 pad=1 act=relu
flatten
dense logits units={}
output logits
)",
                     name, classes);
}

void write_text(const fs::path& path, const std::string& text) {
  std::ofstream(path) << text;
}

// An IDX file of unsigned bytes.
void write_idx(const fs::path& path, const std::vector<uint32_t>& dims,
               const std::vector<uint8_t>& values) {
  std::string bytes{'\0', '\0', '\x08', static_cast<char>(dims.size())};
  for (uint32_t d : dims)
    for (int shift = 24; shift >= 0; shift -= 8) bytes.push_back(static_cast<char>(d >> shift));
  bytes.append(values.begin(), values.end());
  std::ofstream(path, std::ios::binary)
      .write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// An IDX data set of random 8x8 images of `classes` classes in `dir`:
// `n` training and n / 2 test images.
void write_dataset(const fs::path& dir, int classes, int n, unsigned seed) {
  fs::create_directories(dir);
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> pixel(0, 255), label(0, classes - 1);
  for (auto [prefix, count] : {std::pair{"train", n}, std::pair{"t10k", n / 2}}) {
    std::vector<uint8_t> pixels, labels;
    for (int i = 0; i < count * 64; ++i) pixels.push_back(static_cast<uint8_t>(pixel(rng)));
    for (int i = 0; i < count; ++i) labels.push_back(static_cast<uint8_t>(label(rng)));
    const auto c = static_cast<uint32_t>(count);
    write_idx(dir / fmt::format("{}-images-idx3-ubyte", prefix), {c, 8, 8}, pixels);
    write_idx(dir / fmt::format("{}-labels-idx1-ubyte", prefix), {c}, labels);
  }
}

bool bitwise_equal(const ir::Tensor& a, const ir::Tensor& b) {
  return a.shape() == b.shape() && std::memcmp(a.raw(), b.raw(), a.size() * sizeof(float)) == 0;
}

class FineTune : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() /
           fmt::format("cnnc_finetune_{}_{}", info->name(), static_cast<long>(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    write_text(dir_ / "three.cnn", conv_model("three", 3));
    write_text(dir_ / "two.cnn", conv_model("two", 2));
    write_dataset(dir_ / "three", 3, 48, 1);
    write_dataset(dir_ / "two", 2, 48, 2);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  // Trains three.cnn for one epoch into `run`.
  void pretrain(const std::string& run) {
    Result r =
        cnnc(fmt::format("train {} --data idx:{} --out {} --epochs 1 --batch 16 --lr 0.1 --seed 1 "
                         "--no-progress --backend reference",
                         path("three.cnn"), path("three"), path(run)));
    ASSERT_EQ(r.status, 0) << r.output;
  }

  fs::path dir_;
};

TEST_F(FineTune, FrozenConvolutionsKeepThePretrainedWeightsAndTheNewHeadTrains) {
  ASSERT_NO_FATAL_FAILURE(pretrain("pre"));
  const std::string source = path("pre/last.safetensors");
  const auto pretrained = safetensors::read(source);

  Result r =
      cnnc(fmt::format("train {} --data idx:{} --out {} --epochs 1 --batch 16 --lr 0.1 --seed 2 "
                       "--no-progress --backend reference "
                       "--weights-from {} --freeze c1,c2",
                       path("two.cnn"), path("two"), path("tuned"), source));
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_HAS(r.output, fmt::format("loaded 4 of 6 parameters from {}; initialized: logits.weight "
                                   "[2, 64], logits.bias [2] (the file's are [3, 64], [3])",
                                   source));

  // What --init he --seed 2 gives, to tell loaded and trained values from initial ones.
  Result init =
      cnnc(fmt::format("init {} --seed 2 -o {}", path("two.cnn"), path("init.safetensors")));
  ASSERT_EQ(init.status, 0) << init.output;
  const auto initial = safetensors::read(path("init.safetensors"));
  const auto tuned = safetensors::read(path("tuned/last.safetensors"));
  for (const char* name : {"c1.weight", "c1.bias", "c2.weight", "c2.bias"}) {
    EXPECT_TRUE(bitwise_equal(tuned.at(name), pretrained.at(name))) << name;
    EXPECT_FALSE(bitwise_equal(tuned.at(name), initial.at(name))) << name;
  }
  EXPECT_EQ(tuned.at("logits.weight").shape(), (ir::Shape{2, 64}));
  EXPECT_EQ(tuned.at("logits.bias").shape(), (ir::Shape{2}));
  EXPECT_FALSE(bitwise_equal(tuned.at("logits.weight"), initial.at("logits.weight")));
  EXPECT_FALSE(bitwise_equal(tuned.at("logits.bias"), initial.at("logits.bias")));

  // The run's options keep --weights-from; resuming takes every value from
  // the checkpoint, so the file may be gone.
  const auto checkpoint = training::read_checkpoint(path("tuned/checkpoint.safetensors"));
  EXPECT_EQ(checkpoint.state.at("config").at("weights_from"), source);
  fs::rename(path("pre"), path("pre-moved"));
  Result resumed = cnnc(fmt::format("train --resume {} --epochs 2 --no-progress", path("tuned")));
  ASSERT_EQ(resumed.status, 0) << resumed.output;
  EXPECT_EQ(resumed.output.find("loaded"), std::string::npos) << resumed.output;
  const auto after = safetensors::read(path("tuned/last.safetensors"));
  for (const char* name : {"c1.weight", "c1.bias", "c2.weight", "c2.bias"})
    EXPECT_TRUE(bitwise_equal(after.at(name), pretrained.at(name))) << name;
  EXPECT_FALSE(bitwise_equal(after.at("logits.weight"), tuned.at("logits.weight")));
}

TEST_F(FineTune, WeightsFromAndWeightsTogetherIsAUsageError) {
  ASSERT_NO_FATAL_FAILURE(pretrain("pre"));
  const std::string source = path("pre/last.safetensors");
  Result r = cnnc(fmt::format("train {} --data idx:{} --out {} --weights {} --weights-from {}",
                              path("three.cnn"), path("three"), path("run"), source, source));
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_HAS(r.output, "--weights-from");
  EXPECT_HAS(r.output, "not both");
  EXPECT_FALSE(fs::exists(path("run/checkpoint.safetensors")));
}

TEST_F(FineTune, AFileMatchingNothingIsRefused) {
  // Weights of a model with other layer names: nothing to load.
  write_text(dir_ / "mlp.cnn", R"(model mlp
input image [N, 1, 8, 8]
flatten
dense hidden units=5 act=relu
dense out units=3
output out
)");
  Result init = cnnc(fmt::format("init {} -o {}", path("mlp.cnn"), path("mlp.safetensors")));
  ASSERT_EQ(init.status, 0) << init.output;
  Result r =
      cnnc(fmt::format("train {} --data idx:{} --out {} --epochs 1 --no-progress --backend "
                       "reference --weights-from {}",
                       path("two.cnn"), path("two"), path("run"), path("mlp.safetensors")));
  EXPECT_EQ(r.status, 1) << r.output;
  EXPECT_HAS(r.output, path("mlp.safetensors"));
  EXPECT_HAS(r.output, "no tensor matches a parameter of model 'two'");
  EXPECT_HAS(r.output, "'hidden.weight' [5, 64]: the model has no such parameter");
  EXPECT_FALSE(fs::exists(path("run/checkpoint.safetensors")));
}

}  // namespace
}  // namespace cnnc
