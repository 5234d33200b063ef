#include "runtime/image.h"

#include <gtest/gtest.h>
#include <stb/stb_image_write.h>

#include <cmath>

#include "runtime/io_error.h"
#include "tests/runtime/test_util.h"

namespace cnnc {
namespace {

using testing::TempDir;
using testing::write_bytes;

// Pixels interleaved by channel, row by row.
void write_test_png(const std::string& path, int w, int h, int channels,
                    const std::vector<unsigned char>& px) {
  ASSERT_EQ(px.size(), static_cast<size_t>(w * h * channels));
  ASSERT_NE(stbi_write_png(path.c_str(), w, h, channels, px.data(), w * channels), 0);
}

std::string error_of(const std::string& path, const ir::Shape& shape,
                     const ImageOptions& options = {}) {
  return testing::io_error_of([&] { load_image(path, shape, options); });
}

constexpr float kExact = 1e-6f;

TEST(Image, GrayPngLoadsAsValuesOver255) {
  TempDir dir;
  auto path = dir.file("gray.png");
  std::vector<unsigned char> px = {0, 51, 102, 255, 10, 20, 30, 40};
  write_test_png(path, 4, 2, 1, px);
  auto t = load_image(path, ir::Shape{ir::kBatch, 1, 2, 4});
  ASSERT_EQ(t.shape(), (ir::Shape{1, 1, 2, 4}));
  for (size_t i = 0; i < px.size(); ++i) EXPECT_NEAR(t[i], px[i] / 255.0f, kExact) << i;
}

TEST(Image, RgbPngAsRgbIsPlanarAndAsGrayIsBt601Luma) {
  TempDir dir;
  auto path = dir.file("rgb.png");
  // 2x2: red, green / blue, (10, 200, 40)
  std::vector<unsigned char> px = {255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 200, 40};
  write_test_png(path, 2, 2, 3, px);

  auto rgb = load_image(path, ir::Shape{1, 3, 2, 2});
  ASSERT_EQ(rgb.shape(), (ir::Shape{1, 3, 2, 2}));
  for (int c = 0; c < 3; ++c)
    for (int i = 0; i < 4; ++i)
      EXPECT_NEAR(rgb[c * 4 + i], px[i * 3 + c] / 255.0f, kExact) << c << " " << i;

  auto gray = load_image(path, ir::Shape{ir::kBatch, 1, 2, 2});
  ASSERT_EQ(gray.shape(), (ir::Shape{1, 1, 2, 2}));
  EXPECT_NEAR(gray[0], 0.299f, 1e-5f);
  EXPECT_NEAR(gray[1], 0.587f, 1e-5f);
  EXPECT_NEAR(gray[2], 0.114f, 1e-5f);
  EXPECT_NEAR(gray[3], (0.299f * 10 + 0.587f * 200 + 0.114f * 40) / 255.0f, 1e-5f);
}

TEST(Image, GrayAsRgbRepeatsTheChannelAndAlphaIsDropped) {
  TempDir dir;
  auto path = dir.file("ga.png");
  write_test_png(path, 2, 1, 2, {100, 0, 200, 255});  // gray + alpha
  auto rgb = load_image(path, ir::Shape{1, 3, 1, 2});
  for (int c = 0; c < 3; ++c) {
    EXPECT_NEAR(rgb[c * 2], 100 / 255.0f, kExact);
    EXPECT_NEAR(rgb[c * 2 + 1], 200 / 255.0f, kExact);
  }
  auto gray = load_image(path, ir::Shape{1, 1, 1, 2});
  EXPECT_NEAR(gray[0], 100 / 255.0f, kExact);
}

TEST(Image, InvertThenMeanAndStdPerChannel) {
  TempDir dir;
  auto path = dir.file("rgb.png");
  write_test_png(path, 1, 1, 3, {51, 102, 204});
  ImageOptions options{.mean = {0.5f, 0.25f, 0.0f}, .std = {0.5f, 2.0f, 0.25f}, .invert = true};
  auto t = load_image(path, ir::Shape{1, 3, 1, 1}, options);
  EXPECT_NEAR(t[0], (1 - 0.2f - 0.5f) / 0.5f, 1e-5f);
  EXPECT_NEAR(t[1], (1 - 0.4f - 0.25f) / 2.0f, 1e-5f);
  EXPECT_NEAR(t[2], (1 - 0.8f - 0.0f) / 0.25f, 1e-5f);

  auto one = load_image(path, ir::Shape{1, 3, 1, 1}, {.mean = {0.1f}, .std = {0.5f}});
  EXPECT_NEAR(one[2], (0.8f - 0.1f) / 0.5f, 1e-5f);
}

TEST(Image, ResizeIsBilinearWhenEnlarging) {
  TempDir dir;
  auto path = dir.file("ramp.png");
  write_test_png(path, 2, 1, 1, {0, 255});
  auto t = load_image(path, ir::Shape{1, 1, 1, 4});
  // Pixel centres of the output at source x = -0.25, 0.25, 0.75, 1.25, clamped at the edges.
  std::vector<float> expected = {0.0f, 0.25f, 0.75f, 1.0f};
  for (int i = 0; i < 4; ++i) EXPECT_NEAR(t[i], expected[i], 1e-4f) << i;

  auto flat = dir.file("flat.png");
  write_test_png(flat, 3, 3, 3, std::vector<unsigned char>(27, 128));
  auto big = load_image(flat, ir::Shape{1, 3, 7, 5});
  ASSERT_EQ(big.shape(), (ir::Shape{1, 3, 7, 5}));
  for (float v : big.data()) EXPECT_NEAR(v, 128 / 255.0f, 1e-5f);
}

TEST(Image, ShrinkingAveragesAndKeepsTheMean) {
  TempDir dir;
  auto path = dir.file("step.png");
  write_test_png(path, 4, 1, 1, {0, 0, 255, 255});
  auto t = load_image(path, ir::Shape{1, 1, 1, 2});
  EXPECT_LT(t[0], 0.5f);
  EXPECT_GT(t[1], 0.5f);
  EXPECT_NEAR(t[0] + t[1], 1.0f, 1e-5f);
}

TEST(Image, BatchOfDifferentSizes) {
  TempDir dir;
  std::vector<std::string> paths = {dir.file("a.png"), dir.file("b.bmp")};
  write_test_png(paths[0], 2, 2, 1, {10, 10, 10, 10});
  std::vector<unsigned char> b(3 * 3 * 3, 77);
  ASSERT_NE(stbi_write_bmp(paths[1].c_str(), 3, 3, 3, b.data()), 0);
  auto t = load_images(paths, ir::Shape{ir::kBatch, 3, 2, 2});
  ASSERT_EQ(t.shape(), (ir::Shape{2, 3, 2, 2}));
  for (int i = 0; i < 12; ++i) EXPECT_NEAR(t[i], 10 / 255.0f, 1e-5f);
  for (int i = 12; i < 24; ++i) EXPECT_NEAR(t[i], 77 / 255.0f, 1e-5f);
}

TEST(Image, JpegLoads) {
  TempDir dir;
  auto path = dir.file("c.jpg");
  std::vector<unsigned char> px(8 * 8 * 3);
  for (size_t i = 0; i < px.size(); i += 3) px[i] = 200, px[i + 1] = 100, px[i + 2] = 50;
  ASSERT_NE(stbi_write_jpg(path.c_str(), 8, 8, 3, px.data(), 100), 0);
  auto t = load_image(path, ir::Shape{1, 3, 8, 8});
  EXPECT_NEAR(t[0], 200 / 255.0f, 3 / 255.0f);
  EXPECT_NEAR(t[64], 100 / 255.0f, 3 / 255.0f);
  EXPECT_NEAR(t[128], 50 / 255.0f, 3 / 255.0f);
}

TEST(Image, ErrorsNameTheFile) {
  TempDir dir;
  auto png = dir.file("ok.png");
  write_test_png(png, 1, 1, 1, {0});
  auto junk = dir.file("junk.png");
  write_bytes(junk, {'n', 'o', 't', ' ', 'a', 'n', ' ', 'i', 'm', 'a', 'g', 'e'});
  struct Case {
    std::string path;
    ir::Shape shape;
    ImageOptions options;
    std::string expected;
  };
  std::vector<Case> cases = {
      {dir.file("absent.png"), {1, 1, 4, 4}, {}, "No such file"},
      {junk, {1, 1, 4, 4}, {}, "cannot decode image"},
      {png, {1, 4, 4}, {}, "4-D inputs"},
      {png, {1, 2, 4, 4}, {}, "C = 2"},
      {png, {1, 1, 0, 4}, {}, "H and W"},
      {png,
       {1, 3, 4, 4},
       {.mean = {0.1f, 0.2f}},
       "mean has 2 values, but the model input has 3 channels"},
      {png, {1, 1, 4, 4}, {.std = {0.0f}}, "std values must be positive"},
  };
  for (const auto& c : cases) {
    std::string message = error_of(c.path, c.shape, c.options);
    EXPECT_CONTAINS(message, c.path);
    EXPECT_CONTAINS(message, c.expected);
  }
}

TEST(Image, WritePngRoundTrips) {
  TempDir dir;
  auto path = dir.file("out.png");
  ir::Tensor rgb(ir::Shape{3, 2, 2}, {0.0f, 0.5f, 1.0f, 2.0f, -1.0f, 0.2f, 0.4f, 0.6f, 1, 1, 0, 0});
  write_png(path, rgb);
  auto back = load_image(path, ir::Shape{1, 3, 2, 2});
  for (int i = 0; i < 12; ++i)
    EXPECT_NEAR(back[i], std::clamp(rgb[i], 0.0f, 1.0f), 0.5f / 255 + 1e-6f) << i;
  EXPECT_EQ(dir.entries(), std::vector<std::string>{"out.png"});

  ir::Tensor feature(ir::Shape{2, 2}, {-1.0f, 0.0f, 1.0f, 3.0f});
  write_png(path, feature, PixelScale::MinMax);
  auto gray = load_image(path, ir::Shape{1, 1, 2, 2});
  std::vector<float> expected = {0, 64, 128, 255};
  for (int i = 0; i < 4; ++i) EXPECT_NEAR(gray[i], expected[i] / 255.0f, kExact) << i;

  EXPECT_THROW(write_png(path, ir::Tensor(ir::Shape{2, 3, 3})), std::invalid_argument);
  EXPECT_THROW(write_png(path, ir::Tensor(ir::Shape{1, 1, 3, 3})), std::invalid_argument);
  EXPECT_THROW(write_png(dir.file("no/dir/x.png"), feature), IoError);
}

}  // namespace
}  // namespace cnnc
