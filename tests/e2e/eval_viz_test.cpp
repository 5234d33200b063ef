// End-to-end: `cnnc eval` and `cnnc viz` on small data the tests write
// (a tiny model file, weights from `cnnc init`, IDX and .npy data sets),
// with accuracy, loss, confusion matrices and feature maps computed here
// independently, and the PNGs decoded with stb_image.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <stb/stb_image.h>
#include <stb/stb_image_write.h>
#include <sys/wait.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>

#include "runtime/npy.h"
#include "runtime/safetensors.h"
#include "runtime/visualize.h"

#include "tests/e2e/cli_runner.h"

namespace cnnc {
namespace {

namespace fs = std::filesystem;

using e2e::cnnc;
using e2e::Result;

// A 4x4 grayscale classifier of 3 classes: one dense layer, then softmax.
constexpr const char* kDenseModel = R"(model tiny
input image [N, 1, 4, 4]
flatten
dense logits units=3
softmax probs
output probs
)";

// A 3-channel conv net with two conv layers, for the pictures.
constexpr const char* kConvModel = R"(model convs
input image [N, 3, 8, 8]
conv2d c1 filters=5 kernel=3 pad=1 act=relu
maxpool p1 kernel=2 stride=2
conv2d c2 filters=2 kernel=3 pad=1
flatten
dense logits units=3
output logits
)";

void write_text(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
}

// An IDX file of unsigned bytes.
void write_idx(const std::string& path, const std::vector<uint32_t>& dims,
               const std::vector<uint8_t>& values) {
  std::string bytes{'\0', '\0', '\x08', static_cast<char>(dims.size())};
  for (uint32_t d : dims)
    for (int shift = 24; shift >= 0; shift -= 8) bytes.push_back(static_cast<char>(d >> shift));
  bytes.append(values.begin(), values.end());
  std::ofstream(path, std::ios::binary)
      .write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

struct Split {
  std::vector<uint8_t> pixels;  // [n, side, side]
  std::vector<uint8_t> labels;
};

Split random_split(int n, int side, int classes, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> pixel(0, 255), label(0, classes - 1);
  Split s;
  for (int i = 0; i < n * side * side; ++i) s.pixels.push_back(static_cast<uint8_t>(pixel(rng)));
  for (int i = 0; i < n; ++i) s.labels.push_back(static_cast<uint8_t>(label(rng)));
  return s;
}

void write_idx_split(const fs::path& dir, const std::string& prefix, const Split& s, int side) {
  const auto n = static_cast<uint32_t>(s.labels.size());
  const auto d = static_cast<uint32_t>(side);
  write_idx((dir / (prefix + "-images-idx3-ubyte")).string(), {n, d, d}, s.pixels);
  write_idx((dir / (prefix + "-labels-idx1-ubyte")).string(), {n}, s.labels);
}

// What eval must report, computed here from the weights: logits = W x + b
// in double precision, x = pixel / 255.
struct Expected {
  int64_t items = 0, correct = 0;
  double loss = 0;
  std::vector<std::vector<int64_t>> confusion;
};

Expected expected_eval(const Split& s, const std::map<std::string, ir::Tensor>& weights,
                       int classes, size_t limit = 0) {
  const ir::Tensor& w = weights.at("logits.weight");  // [classes, 16]
  const ir::Tensor& b = weights.at("logits.bias");
  Expected e;
  e.confusion.assign(static_cast<size_t>(classes), std::vector<int64_t>(classes, 0));
  const size_t n = limit ? std::min(limit, s.labels.size()) : s.labels.size();
  const int64_t features = w.shape()[1];
  for (size_t i = 0; i < n; ++i) {
    std::vector<double> logits(static_cast<size_t>(classes));
    for (int k = 0; k < classes; ++k) {
      double sum = b[k];
      for (int64_t f = 0; f < features; ++f)
        sum += double{w[k * features + f]} * (s.pixels[i * features + f] / 255.0);
      logits[static_cast<size_t>(k)] = sum;
    }
    const auto best = std::max_element(logits.begin(), logits.end()) - logits.begin();
    const double top = logits[static_cast<size_t>(best)];
    double z = 0;
    for (double l : logits) z += std::exp(l - top);
    const int truth = s.labels[i];
    e.loss += top + std::log(z) - logits[static_cast<size_t>(truth)];
    e.correct += best == truth;
    ++e.confusion[static_cast<size_t>(truth)][static_cast<size_t>(best)];
  }
  e.items = static_cast<int64_t>(n);
  e.loss /= static_cast<double>(n);
  return e;
}

// The confusion matrix as printed: the rows after the "true\pred" header.
std::vector<std::vector<int64_t>> printed_confusion(const std::string& output, int classes) {
  std::istringstream in(output.substr(output.find("true\\pred")));
  std::string line;
  std::getline(in, line);
  std::vector<std::vector<int64_t>> rows;
  for (int t = 0; t < classes && std::getline(in, line); ++t) {
    std::istringstream row(line);
    int64_t label = -1, v = 0;
    row >> label;
    EXPECT_EQ(label, t) << line;
    rows.emplace_back();
    while (row >> v) rows.back().push_back(v);
  }
  return rows;
}

struct Png {
  int width = 0, height = 0, channels = 0;
  std::vector<uint8_t> rgb;  // 3 per pixel
  std::array<uint8_t, 3> at(int x, int y) const {
    const size_t i = (static_cast<size_t>(y) * width + x) * 3;
    return {rgb[i], rgb[i + 1], rgb[i + 2]};
  }
};

Png read_png(const std::string& path) {
  Png p;
  stbi_uc* data = stbi_load(path.c_str(), &p.width, &p.height, &p.channels, 3);
  EXPECT_NE(data, nullptr) << path << ": " << stbi_failure_reason();
  if (!data) return p;
  p.rgb.assign(data, data + static_cast<size_t>(p.width) * p.height * 3);
  stbi_image_free(data);
  return p;
}

class EvalViz : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(CNNC_BINARY_DIR) / "e2e" / "eval_viz" /
           ::testing::UnitTest::GetInstance()->current_test_info()->name();
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  std::string tmp(const std::string& name) const { return (dir_ / name).string(); }

  // The dense model with `cnnc init` weights, and an IDX data set of 4x4
  // images with train (20) and test (37) splits.
  void dense_setup() {
    write_text(tmp("tiny.cnn"), kDenseModel);
    ASSERT_EQ(cnnc("init " + tmp("tiny.cnn") + " --seed 5 -o " + tmp("w.safetensors")).status, 0);
    weights_ = safetensors::read(tmp("w.safetensors"));
    // Non-zero biases, so that a bias dropped somewhere would show.
    std::mt19937 rng(9);
    std::uniform_real_distribution<float> u(-0.5f, 0.5f);
    for (auto& v : weights_.at("logits.bias").data()) v = u(rng);
    safetensors::write(tmp("w.safetensors"), weights_);
    fs::create_directories(dir_ / "idx");
    train_ = random_split(20, 4, 3, 1);
    test_ = random_split(37, 4, 3, 2);
    write_idx_split(dir_ / "idx", "train", train_, 4);
    write_idx_split(dir_ / "idx", "t10k", test_, 4);
  }
  std::string dense_eval(const std::string& extra) {
    return "eval " + tmp("tiny.cnn") + " --weights " + tmp("w.safetensors") +
           " --data idx:" + tmp("idx") + " " + extra;
  }

  fs::path dir_;
  std::map<std::string, ir::Tensor> weights_;
  Split train_, test_;
};

TEST_F(EvalViz, EvalPrintsWhatTheWeightsGive) {
  dense_setup();
  const Expected want = expected_eval(test_, weights_, 3);
  auto r = cnnc(dense_eval("--backend reference --batch 8 --json " + tmp("eval.json")));
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_HAS(r.output, fmt::format("accuracy   {:.4f}  ({} of 37 correct)",
                                   static_cast<double>(want.correct) / 37.0, want.correct));
  const size_t at = r.output.find("mean loss");
  ASSERT_NE(at, std::string::npos) << r.output;
  EXPECT_NEAR(std::stod(r.output.substr(at + 9)), want.loss, 1e-5) << r.output;
  EXPECT_EQ(printed_confusion(r.output, 3), want.confusion) << r.output;
  for (int c = 0; c < 3; ++c) {
    const int64_t items = std::count(test_.labels.begin(), test_.labels.end(), c);
    EXPECT_HAS(r.output,
               fmt::format("  {:>5}  {:>7}  {:>7}  {:>8.4f}", c, items, want.confusion[c][c],
                           static_cast<double>(want.confusion[c][c]) / items));
  }

  std::ifstream in(tmp("eval.json"));
  const auto j = nlohmann::json::parse(in);
  EXPECT_EQ(j["items"], 37);
  EXPECT_EQ(j["correct"], want.correct);
  EXPECT_DOUBLE_EQ(j["accuracy"].get<double>(), static_cast<double>(want.correct) / 37.0);
  EXPECT_NEAR(j["loss"].get<double>(), want.loss, 1e-5);
  EXPECT_EQ(j["confusion"].get<std::vector<std::vector<int64_t>>>(), want.confusion);
  int64_t sum = 0;
  for (const auto& row : j["confusion"])
    for (const auto& v : row) sum += v.get<int64_t>();
  EXPECT_EQ(sum, 37);
  ASSERT_EQ(j["classes"].size(), 3u);
  for (int c = 0; c < 3; ++c) {
    EXPECT_EQ(j["classes"][c]["items"], std::count(test_.labels.begin(), test_.labels.end(), c));
    EXPECT_TRUE(j["classes"][c]["name"].is_null());
  }
  for (const auto& e : fs::directory_iterator(dir_))
    EXPECT_EQ(e.path().string().find(".tmp."), std::string::npos) << e.path();
}

TEST_F(EvalViz, EvalOnHalideAgreesAndFusesWithoutTheSoftmax) {
  dense_setup();
  const Expected want = expected_eval(test_, weights_, 3);
  auto r = cnnc(dense_eval("--batch 16 --json " + tmp("eval.json")));  // halide, inference
  ASSERT_EQ(r.status, 0) << r.output;
  std::ifstream in(tmp("eval.json"));
  const auto j = nlohmann::json::parse(in);
  EXPECT_EQ(j["backend"], "halide");
  EXPECT_EQ(j["correct"], want.correct);
  EXPECT_EQ(j["confusion"].get<std::vector<std::vector<int64_t>>>(), want.confusion);
  // A softmax fused into the last layer would make the loss one of probabilities.
  EXPECT_NEAR(j["loss"].get<double>(), want.loss, 1e-4);
}

TEST_F(EvalViz, EvalTrainSplitLimitAndNpyData) {
  dense_setup();
  auto r = cnnc(dense_eval("--backend reference --split train --limit 11"));
  ASSERT_EQ(r.status, 0) << r.output;
  const Expected want = expected_eval(train_, weights_, 3, 11);
  EXPECT_HAS(r.output, fmt::format("({} of 11 correct)", want.correct));
  EXPECT_EQ(printed_confusion(r.output, 3), want.confusion);

  // The same training images as .npy: a training split only.
  ir::Tensor images(ir::Shape{20, 1, 4, 4}), labels(ir::Shape{20});
  for (size_t i = 0; i < train_.pixels.size(); ++i)
    images[static_cast<int64_t>(i)] = train_.pixels[i] / 255.0f;
  for (size_t i = 0; i < 20; ++i) labels[static_cast<int64_t>(i)] = train_.labels[i];
  npy::write(tmp("x.npy"), images);
  npy::write(tmp("y.npy"), labels);
  const std::string npy = "eval " + tmp("tiny.cnn") + " --weights " + tmp("w.safetensors") +
                          " --backend reference --data npy:" + tmp("x.npy") + "," + tmp("y.npy");
  auto missing = cnnc(npy);
  EXPECT_EQ(missing.status, 2) << missing.output;
  EXPECT_HAS(missing.output, "has no test split");
  EXPECT_HAS(missing.output, "--split train");
  auto all = cnnc(npy + " --split train");
  ASSERT_EQ(all.status, 0) << all.output;
  const Expected full = expected_eval(train_, weights_, 3);
  EXPECT_HAS(all.output, fmt::format("({} of 20 correct)", full.correct));
  EXPECT_EQ(printed_confusion(all.output, 3), full.confusion);
}

TEST_F(EvalViz, EvalClassNamesOfAnImageFolder) {
  dense_setup();
  // folder:DIR with train/ and test/, one subfolder per class.
  std::mt19937 rng(4);
  std::uniform_int_distribution<int> pixel(0, 255);
  const std::vector<std::string> names{"cat", "dog", "emu"};
  for (const char* split : {"train", "test"})
    for (size_t c = 0; c < names.size(); ++c) {
      const fs::path d = dir_ / "folder" / split / names[c];
      fs::create_directories(d);
      for (size_t i = 0; i < c + 1; ++i) {
        std::vector<uint8_t> px(16);
        for (auto& p : px) p = static_cast<uint8_t>(pixel(rng));
        ASSERT_NE(
            stbi_write_png((d / fmt::format("{}.png", i)).string().c_str(), 4, 4, 1, px.data(), 4),
            0);
      }
    }
  auto r = cnnc("eval " + tmp("tiny.cnn") + " --weights " + tmp("w.safetensors") +
                " --backend reference --data folder:" + tmp("folder") + " --json " + tmp("e.json"));
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_HAS(r.output, "name");
  EXPECT_HAS(r.output, "emu");
  std::ifstream in(tmp("e.json"));
  const auto j = nlohmann::json::parse(in);
  EXPECT_EQ(j["items"], 6);
  EXPECT_EQ(j["classes"][2]["name"], "emu");
  EXPECT_EQ(j["classes"][2]["items"], 3);
}

TEST_F(EvalViz, EvalErrorsAreClear) {
  dense_setup();
  auto no_weights = cnnc("eval " + tmp("tiny.cnn") + " --data idx:" + tmp("idx"));
  EXPECT_EQ(no_weights.status, 2) << no_weights.output;
  EXPECT_HAS(no_weights.output, "--weights");

  auto missing_file = cnnc("eval " + tmp("tiny.cnn") + " --weights " + tmp("nope.safetensors") +
                           " --data idx:" + tmp("idx"));
  EXPECT_EQ(missing_file.status, 1) << missing_file.output;
  EXPECT_HAS(missing_file.output, "nope.safetensors");

  auto no_data = cnnc("eval " + tmp("tiny.cnn") + " --weights " + tmp("w.safetensors"));
  EXPECT_EQ(no_data.status, 2) << no_data.output;
  EXPECT_HAS(no_data.output, "--data");

  auto bad_spec = cnnc(dense_eval("").replace(dense_eval("").find("idx:"), 4, "csv:"));
  EXPECT_EQ(bad_spec.status, 2) << bad_spec.output;
  EXPECT_HAS(bad_spec.output, "unknown kind 'csv'");

  // 5x5 images for a 4x4 model.
  fs::create_directories(dir_ / "big");
  const Split big = random_split(6, 5, 3, 3);
  write_idx_split(dir_ / "big", "train", big, 5);
  write_idx_split(dir_ / "big", "t10k", big, 5);
  auto shapes = cnnc("eval " + tmp("tiny.cnn") + " --weights " + tmp("w.safetensors") +
                     " --backend reference --data idx:" + tmp("big"));
  EXPECT_EQ(shapes.status, 2) << shapes.output;
  EXPECT_HAS(shapes.output,
             "the test images are [6, 1, 5, 5] but model input 'image' is [N, 1, 4, 4]");

  // Labels 0..4 for a model of 3 classes.
  fs::create_directories(dir_ / "many");
  const Split many = random_split(30, 4, 5, 6);
  write_idx_split(dir_ / "many", "train", many, 4);
  write_idx_split(dir_ / "many", "t10k", many, 4);
  auto labels = cnnc("eval " + tmp("tiny.cnn") + " --weights " + tmp("w.safetensors") +
                     " --backend reference --data idx:" + tmp("many"));
  EXPECT_EQ(labels.status, 1) << labels.output;
  EXPECT_HAS(labels.output, "labels go up to 4, but model 'tiny' scores 3 classes");

  auto backend = cnnc(dense_eval("--backend nosuch"));
  EXPECT_EQ(backend.status, 2) << backend.output;
  EXPECT_HAS(backend.output, "unknown backend 'nosuch'");
}

// viz ------------------------------------------------------------------

class EvalVizPictures : public EvalViz {
 protected:
  void SetUp() override {
    EvalViz::SetUp();
    write_text(tmp("convs.cnn"), kConvModel);
    ASSERT_EQ(cnnc("init " + tmp("convs.cnn") + " --seed 2 -o " + tmp("c.safetensors")).status, 0);
    weights_ = safetensors::read(tmp("c.safetensors"));
  }
  std::string viz(const std::string& what, const std::string& layer, const std::string& png,
                  const std::string& extra = "") {
    return "viz " + what + " " + tmp("convs.cnn") + " --weights " + tmp("c.safetensors") +
           " --layer " + layer + " -o " + tmp(png) + " " + extra;
  }
};

// The level a value of a tile normalized from [lo, hi] gets.
int level(float v, float lo, float hi) {
  return static_cast<int>(std::lround((v - lo) / (hi - lo) * 255.0f));
}

TEST_F(EvalVizPictures, FiltersAsRgbAndGrayTiles) {
  // c1: [5, 3, 3, 3], RGB tiles on 2 rows of 3, scale 16 (48-pixel tiles).
  auto rgb = cnnc(viz("filters", "c1", "c1.png"));
  ASSERT_EQ(rgb.status, 0) << rgb.output;
  EXPECT_HAS(rgb.output, "5 filters of c1");
  Png p = read_png(tmp("c1.png"));
  EXPECT_EQ(p.width, 3 * 48 + 2);
  EXPECT_EQ(p.height, 2 * 48 + 1);
  EXPECT_EQ(p.at(48, 10), viz::kSeparator);  // between the first two tiles
  EXPECT_EQ(p.at(10, 48), viz::kSeparator);
  // Filter 0 over its three channels: min -> 0, max -> 255, in that channel.
  const ir::Tensor& w1 = weights_.at("c1.weight");
  auto [mn, mx] = std::minmax_element(w1.raw(), w1.raw() + 27);
  const auto imax = mx - w1.raw(), imin = mn - w1.raw();
  EXPECT_EQ(p.at(static_cast<int>(imax % 3) * 16 + 8,
                 static_cast<int>(imax / 3 % 3) * 16 + 8)[static_cast<size_t>(imax / 9)],
            255);
  EXPECT_EQ(p.at(static_cast<int>(imin % 3) * 16 + 8,
                 static_cast<int>(imin / 3 % 3) * 16 + 8)[static_cast<size_t>(imin / 9)],
            0);

  // --gray: one tile per (filter, channel), a row per filter.
  auto gray = cnnc(viz("filters", "c1", "c1g.png", "--gray --scale 4"));
  ASSERT_EQ(gray.status, 0) << gray.output;
  p = read_png(tmp("c1g.png"));
  EXPECT_EQ(p.width, 3 * 12 + 2);
  EXPECT_EQ(p.height, 5 * 12 + 4);

  // c2 with --gray: 5 input channels, 2 rows of 5 tiles; every level of the
  // tile (filter 1, channel 3) as normalized from its own range.
  auto c2 = cnnc(viz("filters", "c2", "c2.png", "--gray --scale 2"));
  ASSERT_EQ(c2.status, 0) << c2.output;
  p = read_png(tmp("c2.png"));
  EXPECT_EQ(p.width, 5 * 6 + 4);
  EXPECT_EQ(p.height, 2 * 6 + 1);
  const float* tile = weights_.at("c2.weight").raw() + (1 * 5 + 3) * 9;
  auto [lo, hi] = std::minmax_element(tile, tile + 9);
  for (int y = 0; y < 3; ++y)
    for (int x = 0; x < 3; ++x) {
      const auto px = p.at(3 * 7 + x * 2 + 1, 7 + y * 2);
      EXPECT_EQ(int{px[0]}, level(tile[y * 3 + x], *lo, *hi)) << x << "," << y;
      EXPECT_EQ(px[0], px[2]);
    }
}

TEST_F(EvalVizPictures, ActivationsMatchAConvolutionDoneByHand) {
  ir::Tensor x(ir::Shape{1, 3, 8, 8});
  std::mt19937 rng(11);
  std::uniform_real_distribution<float> u(0, 1);
  for (auto& v : x.data()) v = u(rng);
  npy::write(tmp("x.npy"), x);
  auto r = cnnc(viz("activations", "p1", "p1.png", "--input " + tmp("x.npy")));
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_HAS(r.output, "5 feature maps of p1 [1, 5, 4, 4]");
  const Png p = read_png(tmp("p1.png"));
  ASSERT_EQ(p.width, 3 * 48 + 2);  // 5 maps of 4x4 at scale 12, 2 rows of 3
  ASSERT_EQ(p.height, 2 * 48 + 1);

  // c1 (3x3, pad 1, relu) then 2x2 max pooling.
  const ir::Tensor& w = weights_.at("c1.weight");
  const ir::Tensor& b = weights_.at("c1.bias");
  auto conv = [&](int k, int y, int xx) {
    double s = b[k];
    for (int c = 0; c < 3; ++c)
      for (int i = 0; i < 3; ++i)
        for (int j = 0; j < 3; ++j) {
          const int yy = y + i - 1, xj = xx + j - 1;
          if (yy >= 0 && yy < 8 && xj >= 0 && xj < 8)
            s += double{w[((k * 3 + c) * 3 + i) * 3 + j]} * x[(c * 8 + yy) * 8 + xj];
        }
    return std::max(0.0, s);
  };
  for (int k = 0; k < 5; ++k) {
    std::vector<float> map(16);
    for (int y = 0; y < 4; ++y)
      for (int xx = 0; xx < 4; ++xx)
        map[static_cast<size_t>(y * 4 + xx)] = static_cast<float>(
            std::max({conv(k, 2 * y, 2 * xx), conv(k, 2 * y + 1, 2 * xx),
                      conv(k, 2 * y, 2 * xx + 1), conv(k, 2 * y + 1, 2 * xx + 1)}));
    auto [lo, hi] = std::minmax_element(map.begin(), map.end());
    const int x0 = (k % 3) * 49, y0 = (k / 3) * 49;
    for (int y = 0; y < 4; ++y)
      for (int xx = 0; xx < 4; ++xx) {
        const int got = p.at(x0 + xx * 12 + 6, y0 + y * 12 + 6)[1];
        const int want = *hi > *lo ? level(map[static_cast<size_t>(y * 4 + xx)], *lo, *hi) : 0;
        EXPECT_NEAR(got, want, 1) << "map " << k << " at " << xx << "," << y;
      }
  }

  // An image input, and the model's input layer itself.
  std::vector<uint8_t> px(8 * 8 * 3, 200);
  ASSERT_NE(stbi_write_png(tmp("in.png").c_str(), 8, 8, 3, px.data(), 8 * 3), 0);
  auto img = cnnc(viz("activations", "c2", "c2.png", "--input " + tmp("in.png") + " --scale 3"));
  ASSERT_EQ(img.status, 0) << img.output;
  const Png q = read_png(tmp("c2.png"));
  EXPECT_EQ(q.width, 2 * 12 + 1);  // c2 is [1, 2, 4, 4]
  EXPECT_EQ(q.height, 12);
  auto input = cnnc(viz("activations", "image", "in_map.png", "--input " + tmp("x.npy")));
  ASSERT_EQ(input.status, 0) << input.output;
  EXPECT_HAS(input.output, "3 feature maps of image");
}

TEST_F(EvalVizPictures, VizErrorsAreClear) {
  auto unknown = cnnc(viz("filters", "c3", "x.png"));
  EXPECT_EQ(unknown.status, 2) << unknown.output;
  EXPECT_HAS(unknown.output, "no layer 'c3'; did you mean");
  EXPECT_HAS(unknown.output, "'c1'");

  auto pool = cnnc(viz("filters", "p1", "x.png"));
  EXPECT_EQ(pool.status, 2) << pool.output;
  EXPECT_HAS(
      pool.output,
      "layer 'p1' (maxpool) has no weight to draw; layers with weights: 'c1', 'c2', 'logits'");

  auto dense = cnnc(viz("filters", "logits", "x.png"));
  EXPECT_EQ(dense.status, 2) << dense.output;
  EXPECT_HAS(dense.output, "layer 'logits' is dense");

  auto no_weights = cnnc("viz filters " + tmp("convs.cnn") + " --layer c1 -o " + tmp("x.png"));
  EXPECT_EQ(no_weights.status, 2) << no_weights.output;
  EXPECT_HAS(no_weights.output, "--weights");

  write_text(tmp("bad.png"), "not an image");
  auto bad = cnnc(viz("activations", "c1", "x.png", "--input " + tmp("bad.png")));
  EXPECT_EQ(bad.status, 1) << bad.output;
  EXPECT_HAS(bad.output, "bad.png: cannot decode image");

  npy::write(tmp("wrong.npy"), ir::Tensor(ir::Shape{1, 3, 5, 5}));
  auto wrong = cnnc(viz("activations", "c1", "x.png", "--input " + tmp("wrong.npy")));
  EXPECT_EQ(wrong.status, 2) << wrong.output;
  EXPECT_HAS(wrong.output, "takes one item [1, 3, 8, 8]");

  auto no_sub = cnnc("viz");
  EXPECT_EQ(no_sub.status, 2) << no_sub.output;
  EXPECT_FALSE(fs::exists(tmp("x.png")));
}

TEST_F(EvalViz, VizCurvesOfARun) {
  fs::create_directories(dir_ / "run");
  write_text(tmp("run/metrics.csv"),
             "epoch,train_loss,train_acc,val_loss,val_acc,epoch_seconds,images_per_s\n"
             "1,1.200000,0.500000,1.000000,0.600000,1.000,100.0\n"
             "2,0.800000,0.700000,0.900000,0.650000,1.000,100.0\n");
  auto r = cnnc("viz curves " + tmp("run"));
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_HAS(r.output, "2 epochs");
  const Png p = read_png(tmp("run/curves.png"));
  EXPECT_EQ(p.width, 960);
  EXPECT_EQ(p.height, 400);
  auto bad = cnnc("viz curves " + tmp("missing"));
  EXPECT_EQ(bad.status, 1) << bad.output;
  EXPECT_HAS(bad.output, "missing");
}

}  // namespace
}  // namespace cnnc
