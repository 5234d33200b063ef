// End-to-end: `cnnc train --backend vulkan` follows the reference backend's
// loss step by step (the issue's bar: the first 20 steps of LeNet-5 within
// 1e-3 relative, same seed), on lavapipe in CI, with the validation layer on.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <random>
#include <regex>

#include "runtime/npy.h"
#include "tests/e2e/cli_runner.h"

namespace cnnc {
namespace {

using e2e::cnnc;
using e2e::Result;
namespace fs = std::filesystem;

// "step S: loss L, ..." lines of a run's log, in order.
std::vector<double> step_losses(const std::string& log) {
  std::vector<double> losses;
  const std::regex line(R"(step (\d+): loss ([-+0-9.eE]+|nan|inf))");
  for (auto it = std::sregex_iterator(log.begin(), log.end(), line); it != std::sregex_iterator();
       ++it) {
    EXPECT_EQ(std::stoll((*it)[1]), static_cast<long long>(losses.size()) + 1) << log;
    losses.push_back(std::stod((*it)[2]));
  }
  return losses;
}

class VulkanTraining : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ =
        fs::temp_directory_path() /
        ("cnnc_vulkan_train_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
         "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    // 1280 LeNet-sized images in 10 classes: each class a random template
    // plus noise, so the loss falls within the 20 steps.
    std::mt19937 rng(9);
    std::uniform_real_distribution<float> pixel(0.0f, 1.0f);
    std::vector<float> templates(10 * 784);
    for (float& v : templates) v = pixel(rng);
    ir::Tensor images(ir::Shape{1280, 1, 28, 28}), labels(ir::Shape{1280});
    for (int64_t i = 0; i < 1280; ++i) {
      const int64_t c = i % 10;
      labels[i] = static_cast<float>(c);
      for (int64_t p = 0; p < 784; ++p)
        images[i * 784 + p] = 0.6f * templates[c * 784 + p] + 0.4f * pixel(rng);
    }
    npy::write(path("x.npy"), images);
    npy::write(path("y.npy"), labels);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  // The step losses of one epoch of LeNet-5 (20 steps of 64) on `backend`.
  std::vector<double> train(const std::string& backend, const std::string& options) {
    const Result r =
        cnnc("train " + std::string(CNNC_SOURCE_DIR) + "/examples/models/lenet5.cnn --data npy:" +
             path("x.npy") + "," + path("y.npy") + " --epochs 1 --batch 64 --seed 7 " + options +
             " --log-every 1 --no-progress --backend " + backend + " --out " + path(backend));
    EXPECT_EQ(r.status, 0) << r.output;
    return step_losses(r.output);
  }

  void expect_same_curve(const std::string& options) {
    ::setenv("CNNC_VULKAN_VALIDATION", "1", 1);
    const std::vector<double> vulkan = train("vulkan", options);
    const std::vector<double> reference = train("reference", options);
    ASSERT_EQ(vulkan.size(), 20u);
    ASSERT_EQ(reference.size(), 20u);
    for (size_t i = 0; i < 20; ++i)
      EXPECT_LE(std::abs(vulkan[i] - reference[i]), 1e-3 * std::abs(reference[i]))
          << "step " << i + 1 << ": vulkan " << vulkan[i] << ", reference " << reference[i];
    EXPECT_LT(reference.back(), reference.front()) << "the loss should fall";
  }

  fs::path dir_;
};

TEST_F(VulkanTraining, LeNetWithMomentumFollowsTheReferenceFor20Steps) {
  expect_same_curve("--lr 0.02 --momentum 0.9 --weight-decay 5e-4");
}

// Parameters, inputs and outputs through staging buffers, as on a
// discrete GPU: every step's updated weights are uploaded by copies.
TEST_F(VulkanTraining, LeNetThroughStagingBuffersFollowsTheReference) {
  ::setenv("CNNC_VULKAN_STAGING", "1", 1);
  expect_same_curve("--lr 0.02 --momentum 0.9");
  ::unsetenv("CNNC_VULKAN_STAGING");
}

TEST_F(VulkanTraining, LeNetWithAdamFollowsTheReferenceFor20Steps) {
  expect_same_curve("--optimizer adam --lr 0.001");
}

}  // namespace
}  // namespace cnnc
