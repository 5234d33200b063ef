#include "runtime/plot.h"

#include <gtest/gtest.h>
#include <stb/stb_image.h>

#include <cmath>
#include <limits>

#include "runtime/io_error.h"
#include "runtime/trainer.h"
#include "tests/runtime/test_util.h"

namespace cnnc::training {
namespace {

using cnnc::testing::TempDir;

std::vector<EpochMetrics> history(int epochs, bool validation) {
  std::vector<EpochMetrics> rows;
  for (int e = 1; e <= epochs; ++e) {
    EpochMetrics m{.epoch = e, .train_loss = 2.0 / e, .train_acc = 1.0 - 0.5 / e};
    if (validation) m.val_loss = 2.2 / e + 0.05, m.val_acc = 0.95 - 0.5 / e;
    rows.push_back(m);
  }
  return rows;
}

struct Picture {
  int width = 0, height = 0;
  std::vector<uint8_t> rgb;
  // Pixels of `colour` with x in [x0, x1).
  int count(const std::array<uint8_t, 3>& colour, int x0, int x1) const {
    int n = 0;
    for (int y = 0; y < height; ++y)
      for (int x = x0; x < x1; ++x) {
        const size_t i = (static_cast<size_t>(y) * width + x) * 3;
        n += rgb[i] == colour[0] && rgb[i + 1] == colour[1] && rgb[i + 2] == colour[2];
      }
    return n;
  }
  // Pixels that are not the background, with x in [x0, x1) and y in [y0, y1).
  int ink(int x0, int x1, int y0, int y1) const {
    int n = 0;
    for (int y = y0; y < y1; ++y)
      for (int x = x0; x < x1; ++x) {
        const size_t i = (static_cast<size_t>(y) * width + x) * 3;
        n += rgb[i] != kPlotBackground[0] || rgb[i + 1] != kPlotBackground[1] ||
             rgb[i + 2] != kPlotBackground[2];
      }
    return n;
  }
};

Picture decode(const std::string& path) {
  Picture p;
  int channels = 0;
  stbi_uc* data = stbi_load(path.c_str(), &p.width, &p.height, &channels, 3);
  EXPECT_NE(data, nullptr) << path;
  if (!data) return p;
  EXPECT_EQ(channels, 3);
  p.rgb.assign(data, data + static_cast<size_t>(p.width) * p.height * 3);
  stbi_image_free(data);
  return p;
}

TEST(Plot, WritesTwoPanelsWithBothCurves) {
  TempDir dir;
  plot_training_curves(history(8, true), dir.file("curves.png"));
  const Picture p = decode(dir.file("curves.png"));
  ASSERT_EQ(p.width, kPlotWidth);
  ASSERT_EQ(p.height, kPlotHeight);
  const int half = p.width / 2;
  // Each panel has both curves (lines and markers: well over a legend's worth).
  EXPECT_GT(p.count(kTrainColour, 0, half), 300);
  EXPECT_GT(p.count(kValidationColour, 0, half), 300);
  EXPECT_GT(p.count(kTrainColour, half, p.width), 300);
  EXPECT_GT(p.count(kValidationColour, half, p.width), 300);
  // Titles, tick labels and axes: ink in the title row and under the frame of each panel.
  EXPECT_GT(p.ink(0, half, 0, 40), 100);
  EXPECT_GT(p.ink(half, p.width, 0, 40), 100);
  EXPECT_GT(p.ink(0, half, p.height - 50, p.height), 100);
  EXPECT_GT(p.ink(half, p.width, p.height - 50, p.height), 100);
  EXPECT_EQ(dir.entries(), std::vector<std::string>{"curves.png"});  // no temporary left
}

TEST(Plot, WithoutValidationOnlyTheTrainingCurve) {
  const ir::Tensor t = render_training_curves(history(3, false), 640, 300);
  ASSERT_EQ(t.shape(), (ir::Shape{3, 300, 640}));
  int train = 0, val = 0;
  const int64_t plane = 300 * 640;
  auto is = [&](int64_t i, const std::array<uint8_t, 3>& c) {
    for (int64_t ch = 0; ch < 3; ++ch)
      if (std::lround(t[ch * plane + i] * 255.0f) != c[static_cast<size_t>(ch)]) return false;
    return true;
  };
  for (int64_t i = 0; i < plane; ++i) train += is(i, kTrainColour), val += is(i, kValidationColour);
  EXPECT_GT(train, 100);
  EXPECT_EQ(val, 0);
}

TEST(Plot, OneEpochNoEpochsAndNonFiniteValues) {
  TempDir dir;
  plot_training_curves(history(1, true), dir.file("one.png"));
  Picture p = decode(dir.file("one.png"));
  EXPECT_GT(p.count(kTrainColour, 0, p.width / 2), 20);  // a marker and the legend
  EXPECT_GT(p.count(kValidationColour, p.width / 2, p.width), 20);

  plot_training_curves({}, dir.file("none.png"));
  p = decode(dir.file("none.png"));
  EXPECT_EQ(p.width, kPlotWidth);
  EXPECT_EQ(p.count(kTrainColour, 0, p.width), 0);
  EXPECT_GT(p.ink(0, p.width, 0, p.height), 1000);  // the axes are there

  auto rows = history(5, true);
  rows[2].train_loss = std::numeric_limits<double>::quiet_NaN();
  rows[3].train_loss = std::numeric_limits<double>::infinity();
  plot_training_curves(rows, dir.file("nan.png"));
  p = decode(dir.file("nan.png"));
  EXPECT_GT(p.count(kTrainColour, 0, p.width / 2), 50);

  EXPECT_THROW(render_training_curves(rows, 100, 100), std::invalid_argument);
}

TEST(Plot, UnwritablePathIsAnIoError) {
  TempDir dir;
  EXPECT_THROW(plot_training_curves(history(2, true), dir.file("no/such/dir/c.png")), IoError);
  try {
    plot_training_curves(history(2, true), dir.file("no/such/dir/c.png"));
  } catch (const IoError& e) {
    EXPECT_CONTAINS(e.what(), "c.png");
  }
  EXPECT_TRUE(dir.entries().empty());
}

TEST(Plot, ReadsMetricsCsv) {
  TempDir dir;
  testing::write_bytes(dir.file("metrics.csv"), [] {
    const std::string s =
        "epoch,train_loss,train_acc,val_loss,val_acc,epoch_seconds,images_per_s\n"
        "1,0.900000,0.600000,0.800000,0.650000,1.500,1000.0\n"
        "2,0.700000,0.700000,,,1.400,1100.0\n";
    return std::vector<char>(s.begin(), s.end());
  }());
  const auto rows = read_metrics_csv(dir.file("metrics.csv"));
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].epoch, 1);
  EXPECT_DOUBLE_EQ(rows[0].train_loss, 0.9);
  EXPECT_DOUBLE_EQ(*rows[0].val_acc, 0.65);
  EXPECT_DOUBLE_EQ(rows[0].seconds, 1.5);
  EXPECT_FALSE(rows[1].val_loss.has_value());
  EXPECT_FALSE(rows[1].val_acc.has_value());
  EXPECT_DOUBLE_EQ(rows[1].images_per_s, 1100.0);

  auto write = [&](const std::string& s) {
    testing::write_bytes(dir.file("bad.csv"), std::vector<char>(s.begin(), s.end()));
  };
  auto message = [&] {
    try {
      read_metrics_csv(dir.file("bad.csv"));
    } catch (const IoError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  write("epoch,train_loss\n1,2\n");
  EXPECT_CONTAINS(message(), "no 'train_acc' column");
  write("epoch,train_loss,train_acc\n1,2,x\n");
  EXPECT_CONTAINS(message(), "bad.csv:2: column 'train_acc' holds 'x'");
  write("epoch,train_loss,train_acc\n1,2\n");
  EXPECT_CONTAINS(message(), "bad.csv:2: 2 fields, but the header has 3");
  EXPECT_THROW(read_metrics_csv(dir.file("missing.csv")), IoError);
}

}  // namespace
}  // namespace cnnc::training
