// End-to-end: `cnnc gradcheck` on LeNet-5, on a residual net with batchnorm
// (training form) and dropout written here, with weights from a file, and
// its usage errors. The failure path (a wrong gradient rule) is tested at
// the library level, tests/runtime/gradcheck_test.cpp: the command line
// has no way to plant one.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "tests/e2e/cli_runner.h"

namespace cnnc {
namespace {

namespace fs = std::filesystem;

using e2e::cnnc;
using e2e::Result;

// A small residual net: batchnorm after every convolution, an identity
// shortcut, dropout before the classifier.
constexpr const char* kResidual = R"(model resbn
input image [N, 2, 8, 8]
conv2d    c0 filters=4 kernel=3 pad=1 bias=false
batchnorm bn0
relu      r0
conv2d    ca filters=4 kernel=3 pad=1 bias=false
batchnorm bna
relu
conv2d    cb filters=4 kernel=3 pad=1 bias=false
batchnorm bnb
add       sum from=bnb,r0
relu      out
maxpool   p kernel=2 stride=2
flatten
dropout   dr rate=0.25
dense     logits units=3
output    logits
)";

// The table's row for `param`: name, shape, checked, max error, worst entry, status.
struct Row {
  std::string shape, status;
  int64_t checked = -1;
  double max_error = -1;
};

Row row_of(const std::string& output, const std::string& param) {
  const std::regex re("(^|\n)" + param +
                      R"( +(\[[0-9, ]+\]) +([0-9]+) +([0-9.e+-]+) +([0-9]+) +([^\n]+))");
  std::smatch m;
  Row r;
  if (!std::regex_search(output, m, re)) {
    ADD_FAILURE() << "no row for " << param << " in:\n" << output;
    return r;
  }
  r.shape = m[2];
  r.checked = std::stoll(m[3]);
  r.max_error = std::stod(m[4]);
  r.status = m[6];
  return r;
}

class Gradcheck : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(CNNC_BINARY_DIR) / "e2e" / "gradcheck" /
           ::testing::UnitTest::GetInstance()->current_test_info()->name();
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  std::string tmp(const std::string& name) const { return (dir_ / name).string(); }
  std::string write_model(const std::string& name, const std::string& text) const {
    std::ofstream(tmp(name)) << text;
    return tmp(name);
  }
  fs::path dir_;
};

const std::string kLenet = std::string(CNNC_SOURCE_DIR) + "/examples/models/lenet5.cnn";

TEST_F(Gradcheck, LeNet5Passes) {
  const Result r = cnnc("gradcheck " + kLenet + " --batch 2 --samples 8 --seed 1");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_HAS(r.output, "gradient check of lenet5");
  EXPECT_HAS(r.output, "backend reference, batch 2, seed 1, eps 0.01, tolerance 0.01");
  EXPECT_HAS(r.output, "ok: all 10 parameters' gradients match finite differences (78 entries");
  for (const auto& [param, shape, checked] :
       std::vector<std::tuple<std::string, std::string, int64_t>>{{"c1.weight", "[6, 1, 5, 5]", 8},
                                                                  {"c1.bias", "[6]", 6},
                                                                  {"c2.weight", "[16, 6, 5, 5]", 8},
                                                                  {"f1.weight", "[120, 400]", 8},
                                                                  {"logits.bias", "[10]", 8}}) {
    const Row row = row_of(r.output, param);
    EXPECT_EQ(row.shape, shape) << param;
    EXPECT_EQ(row.checked, checked) << param;
    EXPECT_LE(row.max_error, 0.01) << param;
    EXPECT_EQ(row.status.substr(0, 2), "ok") << param;
  }
  // The same seed checks the same entries with the same results.
  EXPECT_EQ(cnnc("gradcheck " + kLenet + " --batch 2 --samples 8 --seed 1").output, r.output);
}

TEST_F(Gradcheck, ResidualNetWithBatchnormAndDropoutPasses) {
  const std::string model = write_model("resbn.cnn", kResidual);
  for (int seed : {0, 1}) {
    const Result r = cnnc(fmt::format("gradcheck {} --samples 12 --seed {}", model, seed));
    ASSERT_EQ(r.status, 0) << r.output;
    EXPECT_HAS(r.output, "ok: all 11 parameters' gradients match finite differences");
    EXPECT_EQ(row_of(r.output, "bn0.weight").shape, "[4]");
    EXPECT_EQ(row_of(r.output, "bnb.bias").checked, 4);
    EXPECT_EQ(row_of(r.output, "c0.weight").checked, 12);
    // Running statistics are not parameters the loss is differentiated by.
    EXPECT_EQ(r.output.find("running_mean"), std::string::npos) << r.output;
  }
}

TEST_F(Gradcheck, WeightsFromAFile) {
  const std::string model = write_model("resbn.cnn", kResidual);
  ASSERT_EQ(cnnc("init " + model + " --seed 7 -o " + tmp("w.safetensors")).status, 0);
  const Result from_file = cnnc("gradcheck " + model + " --weights " + tmp("w.safetensors"));
  ASSERT_EQ(from_file.status, 0) << from_file.output;
  EXPECT_HAS(from_file.output, "weights " + tmp("w.safetensors"));
  // Without --weights: initialized with --init he and the seed.
  const Result initialized = cnnc("gradcheck " + model + " --seed 7");
  ASSERT_EQ(initialized.status, 0) << initialized.output;
  EXPECT_HAS(initialized.output, "--init he --seed 7");
}

TEST_F(Gradcheck, UsageErrorsExitWithStatus2) {
  const std::string model = write_model("resbn.cnn", kResidual);
  struct Case {
    std::string args, message;
  };
  for (const Case& c : std::vector<Case>{
           {"--eps 0", "--eps must be positive"},
           {"--tolerance -1", "--tolerance must be positive"},
           {"--backend nope", "unknown backend 'nope'"},
           {"--weights w.safetensors --init he", "give --weights or --init, not both"},
           {"--batch 0", "--batch"},
           {"--init lecun", "--init"}}) {
    const Result r = cnnc("gradcheck " + model + " " + c.args);
    EXPECT_EQ(r.status, 2) << c.args << "\n" << r.output;
    EXPECT_HAS(r.output, c.message);
  }
  const Result no_model = cnnc("gradcheck");
  EXPECT_EQ(no_model.status, 2) << no_model.output;
}

TEST_F(Gradcheck, ModelsThatCannotBeCheckedAreErrors) {
  const Result missing = cnnc("gradcheck " + tmp("nothing.cnn"));
  EXPECT_EQ(missing.status, 1) << missing.output;
  EXPECT_HAS(missing.output, "nothing.cnn");
  // Not a classifier: the output is not [N, classes].
  const std::string image_out = write_model("image_out.cnn", R"(model image_out
input image [N, 1, 4, 4]
conv2d c filters=2 kernel=3 pad=1
output c
)");
  const Result r = cnnc("gradcheck " + image_out);
  EXPECT_EQ(r.status, 1) << r.output;
  EXPECT_HAS(r.output, "[N, classes]");
}

}  // namespace
}  // namespace cnnc
