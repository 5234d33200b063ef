// The training data layer: image folders, .npy datasets, the validation
// split and augmentation, each checked on small generated data, and every
// bad input an error naming the file or the item.
#include <gtest/gtest.h>
#include <stb/stb_image_write.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <functional>
#include <numeric>
#include <random>
#include <set>
#include <stdexcept>
#include <tuple>

#include "runtime/data/augment.h"
#include "runtime/data/image_folder.h"
#include "runtime/data/npy_dataset.h"
#include "runtime/data/split.h"
#include "runtime/io_error.h"
#include "runtime/npy.h"
#include "tests/runtime/test_util.h"

namespace cnnc::testing {
namespace {

namespace fs = std::filesystem;

// The message of the std::invalid_argument `call` throws, or "no error".
template <class Call>
std::string invalid_argument_of(Call&& call) {
  try {
    call();
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "no error";
}

// ---------------------------------------------------------------- image folders

// A w x h image of one gray level, in the format its extension names.
void write_gray_image(const std::string& path, int w, int h, unsigned char level) {
  std::vector<unsigned char> px(static_cast<size_t>(w * h), level);
  std::string ext = fs::path(path).extension().string();
  std::ranges::transform(ext, ext.begin(), [](unsigned char c) { return std::tolower(c); });
  const int ok = ext == ".png"   ? stbi_write_png(path.c_str(), w, h, 1, px.data(), w)
                 : ext == ".bmp" ? stbi_write_bmp(path.c_str(), w, h, 1, px.data())
                                 : stbi_write_jpg(path.c_str(), w, h, 1, px.data(), 100);
  ASSERT_NE(ok, 0) << path;
}

std::string folder_error(const std::string& dir,
                         data::ImageFolderOptions options = {.height = 4, .width = 4}) {
  return io_error_of([&] { data::read_image_folder(dir, options); });
}

TEST(DataImageFolder, ClassesAreSortedSubfoldersAndImagesAreSortedFiles) {
  TempDir dir;
  for (const char* sub : {"bird", "ant", "cat", ".hidden"}) fs::create_directory(dir.file(sub));
  // Distinct gray levels tell which file became which item; sizes differ
  // and every image is resized to 4 x 4 (a constant image stays constant).
  write_gray_image(dir.file("bird/2.png"), 3, 5, 40);
  write_gray_image(dir.file("bird/1.PNG"), 6, 6, 20);
  write_gray_image(dir.file("ant/x.bmp"), 4, 4, 200);
  write_gray_image(dir.file("cat/a.JPEG"), 8, 8, 100);
  write_gray_image(dir.file("cat/b.jpg"), 2, 2, 120);
  write_gray_image(dir.file(".hidden/skip.png"), 4, 4, 1);  // not a class
  write_gray_image(dir.file("top.png"), 4, 4, 1);           // not in a class folder
  write_bytes(dir.file("cat/notes.txt"), {'h', 'i'});       // not an image

  auto set = data::read_image_folder(dir.file(""), {.channels = 1, .height = 4, .width = 4});
  ASSERT_EQ(set.images.shape(), (ir::Shape{5, 1, 4, 4}));
  EXPECT_EQ(set.class_names, (std::vector<std::string>{"ant", "bird", "cat"}));
  EXPECT_EQ(set.classes, 3);
  ASSERT_EQ(set.labels.shape(), (ir::Shape{5}));
  const float labels[] = {0, 1, 1, 2, 2};
  const int levels[] = {200, 20, 40, 100, 120};
  for (int64_t i = 0; i < 5; ++i) {
    EXPECT_EQ(set.labels[i], labels[i]) << i;
    const float tolerance = i >= 3 ? 2.0f / 255 : 1e-6f;  // JPEG is lossy
    for (int64_t p = 0; p < 16; ++p)
      EXPECT_NEAR(set.images[i * 16 + p], levels[i] / 255.0f, tolerance) << i << " " << p;
  }
}

TEST(DataImageFolder, RgbImagesLoadAsThreePlanes) {
  TempDir dir;
  fs::create_directory(dir.file("red"));
  const std::vector<unsigned char> px = {255, 0, 0, 255, 0, 0};  // 2 x 1, red
  ASSERT_NE(stbi_write_png(dir.file("red/r.png").c_str(), 2, 1, 3, px.data(), 6), 0);
  auto rgb = data::read_image_folder(dir.file(""), {.channels = 3, .height = 1, .width = 2});
  ASSERT_EQ(rgb.images.shape(), (ir::Shape{1, 3, 1, 2}));
  EXPECT_EQ(std::vector<float>(rgb.images.data().begin(), rgb.images.data().end()),
            (std::vector<float>{1, 1, 0, 0, 0, 0}));
  auto gray = data::read_image_folder(dir.file(""), {.channels = 1, .height = 1, .width = 2});
  EXPECT_NEAR(gray.images[0], 0.299f, 1e-5f);
}

TEST(DataImageFolder, EachBadFolderIsAnErrorNamingIt) {
  TempDir dir;
  // Missing.
  std::string message = folder_error(dir.file("nowhere"));
  EXPECT_CONTAINS(message, dir.file("nowhere"));
  EXPECT_CONTAINS(message, "does not exist");
  // A file, not a folder.
  write_gray_image(dir.file("file.png"), 2, 2, 0);
  EXPECT_CONTAINS(folder_error(dir.file("file.png")), "not a folder");
  // Images but no class subfolders.
  fs::create_directory(dir.file("flat"));
  write_gray_image(dir.file("flat/a.png"), 2, 2, 0);
  message = folder_error(dir.file("flat"));
  EXPECT_CONTAINS(message, dir.file("flat"));
  EXPECT_CONTAINS(message, "no class subfolders");
  // A class folder without images, whether empty or holding other files.
  fs::create_directories(dir.file("empty/a"));
  fs::create_directories(dir.file("empty/b"));
  write_gray_image(dir.file("empty/a/1.png"), 2, 2, 0);
  message = folder_error(dir.file("empty"));
  EXPECT_CONTAINS(message, dir.file("empty/b"));
  EXPECT_CONTAINS(message, "no images");
  write_bytes(dir.file("empty/b/readme.txt"), {'x'});
  EXPECT_CONTAINS(folder_error(dir.file("empty")), dir.file("empty/b"));
  // An image that does not decode: named, not just its folder.
  fs::create_directories(dir.file("broken/a"));
  write_gray_image(dir.file("broken/a/1.png"), 2, 2, 0);
  write_bytes(dir.file("broken/a/2.png"), {'n', 'o', 't', ' ', 'p', 'n', 'g'});
  message = folder_error(dir.file("broken"));
  EXPECT_CONTAINS(message, dir.file("broken/a/2.png"));
  EXPECT_CONTAINS(message, "cannot decode");
  // Options that cannot describe a model input are the caller's error.
  for (data::ImageFolderOptions bad :
       {data::ImageFolderOptions{.channels = 2, .height = 4, .width = 4},
        data::ImageFolderOptions{.channels = 1, .height = 0, .width = 4},
        data::ImageFolderOptions{.channels = 1, .height = 4}})
    EXPECT_THROW(data::read_image_folder(dir.file("empty"), bad), std::invalid_argument);
}

// ---------------------------------------------------------------- .npy datasets

// A .npy file of `dtype` ('<f4', '|u1', ...) holding `values` converted to T.
template <typename T>
void write_npy(const std::string& path, const std::string& dtype, const std::vector<int64_t>& shape,
               const std::vector<double>& values) {
  std::string dims;
  for (int64_t d : shape) dims += std::to_string(d) + ",";
  std::string header =
      "{'descr': '" + dtype + "', 'fortran_order': False, 'shape': (" + dims + "), }";
  header.append((64 - (10 + header.size() + 1) % 64) % 64, ' ');
  header += '\n';
  std::vector<char> out = {'\x93',
                           'N',
                           'U',
                           'M',
                           'P',
                           'Y',
                           1,
                           0,
                           static_cast<char>(header.size() & 0xff),
                           static_cast<char>(header.size() >> 8)};
  out.insert(out.end(), header.begin(), header.end());
  for (double v : values) {
    const T t = static_cast<T>(v);
    const char* bytes = reinterpret_cast<const char*>(&t);
    out.insert(out.end(), bytes, bytes + sizeof(T));
  }
  write_bytes(path, out);
}

TEST(DataNpyDataset, Uint8ImagesArePixelsAndThreeDimensionsMeanGray) {
  TempDir dir;
  write_npy<uint8_t>(dir.file("x.npy"), "|u1", {2, 1, 3}, {0, 51, 255, 102, 204, 1});
  write_npy<int64_t>(dir.file("y.npy"), "<i8", {2}, {4, 0});
  auto set = data::read_npy_dataset(dir.file("x.npy"), dir.file("y.npy"));
  ASSERT_EQ(set.images.shape(), (ir::Shape{2, 1, 1, 3}));
  const float expected[] = {0, 0.2f, 1, 0.4f, 0.8f, 1 / 255.0f};
  for (int64_t i = 0; i < 6; ++i) EXPECT_FLOAT_EQ(set.images[i], expected[i]) << i;
  EXPECT_EQ(set.labels[0], 4.0f);
  EXPECT_EQ(set.labels[1], 0.0f);
  EXPECT_EQ(set.classes, 5);
  EXPECT_TRUE(set.class_names.empty());
}

TEST(DataNpyDataset, FloatImagesAreUsedAsTheyAre) {
  TempDir dir;
  std::vector<double> values(2 * 3 * 2 * 2);
  for (size_t i = 0; i < values.size(); ++i) values[i] = static_cast<double>(i) * 1.5 - 3;
  write_npy<float>(dir.file("x.npy"), "<f4", {2, 3, 2, 2}, values);
  write_npy<float>(dir.file("y.npy"), "<f4", {2}, {1, 2});
  auto set = data::read_npy_dataset(dir.file("x.npy"), dir.file("y.npy"));
  ASSERT_EQ(set.images.shape(), (ir::Shape{2, 3, 2, 2}));
  for (int64_t i = 0; i < set.images.size(); ++i)
    EXPECT_EQ(set.images[i], static_cast<float>(values[static_cast<size_t>(i)]));
  EXPECT_EQ(set.classes, 3);
  // Other integer and float dtypes of labels work too.
  write_npy<int32_t>(dir.file("y32.npy"), "<i4", {2}, {7, 3});
  EXPECT_EQ(data::read_npy_dataset(dir.file("x.npy"), dir.file("y32.npy")).classes, 8);
  write_npy<double>(dir.file("y64.npy"), "<f8", {2}, {0, 0});
  EXPECT_EQ(data::read_npy_dataset(dir.file("x.npy"), dir.file("y64.npy")).classes, 1);
}

TEST(DataNpyDataset, BadFilesAreErrorsNamingThem) {
  TempDir dir;
  write_npy<float>(dir.file("x.npy"), "<f4", {3, 2, 2}, std::vector<double>(12, 0.5));
  auto error = [&](const std::string& images, const std::string& labels) {
    return io_error_of([&] { data::read_npy_dataset(dir.file(images), dir.file(labels)); });
  };
  struct Case {
    const char* name;
    std::function<void(const std::string&)> write;
    const char* phrase;
  } label_cases[] = {
      {"few.npy",
       [](auto& p) {
         write_npy<int64_t>(p, "<i8", {2}, {0, 1});
       },
       "must be [3]"},
      {"2d.npy",
       [](auto& p) {
         write_npy<int64_t>(p, "<i8", {3, 1}, {0, 1, 2});
       },
       "must be [3]"},
      {"half.npy",
       [](auto& p) {
         write_npy<float>(p, "<f4", {3}, {0, 1.5, 2});
       },
       "index 1"},
      {"neg.npy",
       [](auto& p) {
         write_npy<int32_t>(p, "<i4", {3}, {0, 1, -1});
       },
       "index 2"},
      {"nan.npy",
       [](auto& p) {
         write_npy<float>(p, "<f4", {3}, {NAN, 1, 1});
       },
       "index 0"},
      {"huge.npy",
       [](auto& p) {
         write_npy<int64_t>(p, "<i8", {3}, {0, 1, 1e12});
       },
       "index 2"},
  };
  for (const auto& c : label_cases) {
    c.write(dir.file(c.name));
    const std::string message = error("x.npy", c.name);
    EXPECT_CONTAINS(message, dir.file(c.name));
    EXPECT_CONTAINS(message, c.phrase);
  }
  write_npy<int64_t>(dir.file("y.npy"), "<i8", {3}, {0, 1, 2});
  write_npy<float>(dir.file("flat.npy"), "<f4", {3, 4}, std::vector<double>(12, 0));
  EXPECT_CONTAINS(error("flat.npy", "y.npy"), dir.file("flat.npy"));
  EXPECT_CONTAINS(error("flat.npy", "y.npy"), "[N, C, H, W]");
  write_npy<float>(dir.file("none.npy"), "<f4", {0, 2, 2}, {});
  write_npy<int64_t>(dir.file("y0.npy"), "<i8", {0}, {});
  EXPECT_CONTAINS(error("none.npy", "y0.npy"), "no images");
  EXPECT_CONTAINS(error("missing.npy", "y.npy"), dir.file("missing.npy"));
  EXPECT_CONTAINS(error("x.npy", "missing.npy"), dir.file("missing.npy"));
  write_bytes(dir.file("junk.npy"), {'j', 'u', 'n', 'k'});
  EXPECT_CONTAINS(error("junk.npy", "y.npy"), dir.file("junk.npy"));
}

TEST(DataNpyDataset, ReadReportsTheStoredDtype) {
  TempDir dir;
  write_npy<uint8_t>(dir.file("u.npy"), "<u1", {1, 1, 1}, {255});
  std::string dtype;
  EXPECT_EQ(npy::read(dir.file("u.npy"), &dtype)[0], 255.0f);  // npy::read itself does not scale
  EXPECT_EQ(dtype, "<u1");
  // '<u1' is uint8 too, so the dataset scales it.
  write_npy<int64_t>(dir.file("y.npy"), "<i8", {1}, {0});
  EXPECT_EQ(data::read_npy_dataset(dir.file("u.npy"), dir.file("y.npy")).images[0], 1.0f);
}

// ---------------------------------------------------------------- validation split

// N items whose label and every pixel are the item's index, so an item
// can be traced through the split.
data::LabeledImages numbered(int64_t n) {
  data::LabeledImages set{.images = ir::Tensor(ir::Shape{n, 1, 2, 3}),
                          .labels = ir::Tensor(ir::Shape{n}),
                          .classes = n,
                          .class_names = {"a", "b"}};
  for (int64_t i = 0; i < n; ++i) {
    set.labels[i] = static_cast<float>(i);
    for (int64_t p = 0; p < 6; ++p) set.images[i * 6 + p] = static_cast<float>(i);
  }
  return set;
}

std::vector<float> labels_of(const data::LabeledImages& set) {
  return {set.labels.data().begin(), set.labels.data().end()};
}

TEST(DataSplit, PartsAreDisjointCoverEverythingAndKeepImagesWithLabels) {
  const auto all = numbered(100);
  auto [train, validation] = data::split_validation(all, 0.2, 7);
  ASSERT_EQ(train.images.shape(), (ir::Shape{80, 1, 2, 3}));
  ASSERT_EQ(validation.images.shape(), (ir::Shape{20, 1, 2, 3}));
  ASSERT_EQ(validation.labels.shape(), (ir::Shape{20}));
  std::set<float> seen;
  for (const auto* part : {&train, &validation}) {
    EXPECT_EQ(part->classes, 100);
    EXPECT_EQ(part->class_names, all.class_names);
    const auto labels = labels_of(*part);
    EXPECT_TRUE(std::ranges::is_sorted(labels)) << "each part keeps the original order";
    for (int64_t i = 0; i < part->labels.size(); ++i) {
      EXPECT_TRUE(seen.insert(part->labels[i]).second) << "item " << part->labels[i] << " twice";
      for (int64_t p = 0; p < 6; ++p) ASSERT_EQ(part->images[i * 6 + p], part->labels[i]);
    }
  }
  EXPECT_EQ(seen.size(), 100u);
  // Shuffled, not simply the tail.
  EXPECT_NE(labels_of(validation).front(), 80.0f);
}

TEST(DataSplit, TheSeedAloneDecides) {
  const auto all = numbered(50);
  const auto a = data::split_validation(all, 0.3, 42);
  const auto b = data::split_validation(all, 0.3, 42);
  EXPECT_EQ(labels_of(a.second), labels_of(b.second));
  EXPECT_EQ(labels_of(a.first), labels_of(b.first));
  EXPECT_EQ(a.second.labels.size(), 15);
  EXPECT_NE(labels_of(data::split_validation(all, 0.3, 43).second), labels_of(a.second));
  // The split for a seed is pinned: it must not change across platforms,
  // standard libraries or releases (it decides which items users validate on).
  EXPECT_EQ(labels_of(data::split_validation(numbered(10), 0.3, 1).second),
            (std::vector<float>{2, 6, 8}));
}

TEST(DataSplit, EdgeFractionsAndErrors) {
  const auto all = numbered(3);
  auto [train, validation] = data::split_validation(all, 0, 1);
  EXPECT_EQ(labels_of(train), (std::vector<float>{0, 1, 2}));
  EXPECT_EQ(validation.labels.size(), 0);
  EXPECT_EQ(validation.images.shape(), (ir::Shape{0, 1, 2, 3}));
  // round(0.99 * 3) = 3, but training keeps one item.
  auto [one, rest] = data::split_validation(all, 0.99, 1);
  EXPECT_EQ(one.labels.size(), 1);
  EXPECT_EQ(rest.labels.size(), 2);
  for (double bad : {-0.1, 1.0, 1.5, std::nan("")})
    EXPECT_CONTAINS(invalid_argument_of([&] { data::split_validation(all, bad, 1); }),
                    "validation fraction");
}

// ---------------------------------------------------------------- augmentation

TEST(DataAugment, ParsesEveryKindAndPrintsItBack) {
  auto a = data::parse_augmentation("shift=2,flip,crop=4,elastic=30:5");
  EXPECT_EQ(a.shift, 2);
  EXPECT_EQ(a.crop_padding, 4);
  EXPECT_TRUE(a.flip);
  EXPECT_EQ(a.elastic_alpha, 30);
  EXPECT_EQ(a.elastic_sigma, 5);
  EXPECT_EQ(data::to_string(a), "shift=2,crop=4,flip,elastic=30:5");
  EXPECT_EQ(data::parse_augmentation(data::to_string(a)), a);

  auto simard = data::parse_augmentation("elastic");
  EXPECT_EQ(simard.elastic_alpha, 34);
  EXPECT_EQ(simard.elastic_sigma, 4);
  EXPECT_EQ(data::parse_augmentation("elastic=8").elastic_sigma, 4);
  EXPECT_EQ(data::parse_augmentation("elastic=8.5:2.25").elastic_alpha, 8.5);
  EXPECT_EQ(data::parse_augmentation(" shift = 3 , flip "),
            (data::Augmentation{.shift = 3, .flip = true}));
  for (const char* none : {"", "none"}) {
    EXPECT_EQ(data::parse_augmentation(none), data::Augmentation{});
    EXPECT_FALSE(data::parse_augmentation(none).enabled());
  }
  EXPECT_EQ(data::to_string({}), "none");
}

TEST(DataAugment, ParseErrorsNameTheItem) {
  const std::pair<const char*, const char*> cases[] = {
      {"shift", "shift"},          {"shift=-1", "shift=-1"},
      {"shift=x", "shift=x"},      {"crop=1.5", "crop=1.5"},
      {"flip=1", "flip=1"},        {"elastic=a:4", "elastic=a:4"},
      {"elastic=34:0", "sigma"},   {"elastic=34:-1", "sigma"},
      {"elastic=-3", "alpha"},     {"elastic=1e7", "alpha"},
      {"rotate=5", "rotate"},      {"shift=1,shift=2", "twice"},
      {"shift=1,,flip", "empty"},  {"flip,", "empty"},
      {"elastic=34:nan", "sigma"}, {"shift=99999999999", "shift"},
  };
  for (const auto& [spec, phrase] : cases) {
    const std::string message = invalid_argument_of([&] { data::parse_augmentation(spec); });
    EXPECT_CONTAINS(message, phrase);
    EXPECT_CONTAINS(message, "augmentation");
  }
}

constexpr int kC = 3, kH = 7, kW = 9;

// Every pixel of every channel distinct and non-zero, so a translation (and
// a mirror) of it can be told from every other one.
ir::Tensor pattern_batch(int64_t images) {
  ir::Tensor batch(ir::Shape{images, kC, kH, kW});
  for (int64_t b = 0; b < images; ++b)
    for (int64_t i = 0; i < kC * kH * kW; ++i) batch[b * kC * kH * kW + i] = 1.0f + i;
  return batch;
}

// The pattern moved by (ty, tx) after an optional mirror, zeros moved in.
std::vector<float> expected(bool flip, int ty, int tx) {
  std::vector<float> out(kC * kH * kW);
  for (int c = 0; c < kC; ++c)
    for (int y = 0; y < kH; ++y)
      for (int x = 0; x < kW; ++x) {
        const int sy = y - ty, sx = (flip ? kW - 1 - x : x) - tx;
        out[(c * kH + y) * kW + x] =
            sy >= 0 && sy < kH && sx >= 0 && sx < kW ? 1.0f + (c * kH + sy) * kW + sx : 0.0f;
      }
  return out;
}

// Which (flip, ty, tx), searched over |t| <= 6, each image of `batch` is;
// fails the test for an image that is none of them.
std::vector<std::tuple<bool, int, int>> moves_of(const ir::Tensor& batch) {
  std::vector<std::tuple<bool, int, int>> out;
  const size_t item = kC * kH * kW;
  for (int64_t b = 0; b < batch.shape()[0]; ++b) {
    const std::vector<float> image(batch.data().begin() + b * item,
                                   batch.data().begin() + (b + 1) * item);
    bool found = false;
    for (bool flip : {false, true})
      for (int ty = -6; ty <= 6 && !found; ++ty)
        for (int tx = -6; tx <= 6 && !found; ++tx)
          if (image == expected(flip, ty, tx)) {
            out.emplace_back(flip, ty, tx);
            found = true;
          }
    EXPECT_TRUE(found) << "image " << b << " is not a translated (mirrored) copy";
  }
  return out;
}

TEST(DataAugment, ShiftTranslatesWholeImagesByEveryAmountInRange) {
  auto batch = pattern_batch(300);
  std::mt19937_64 rng(1);
  data::augment(batch, {.shift = 2}, rng);
  std::set<std::pair<int, int>> offsets;
  for (auto [flip, ty, tx] : moves_of(batch)) {
    EXPECT_FALSE(flip);
    EXPECT_LE(std::abs(ty), 2);
    EXPECT_LE(std::abs(tx), 2);
    offsets.emplace(ty, tx);
  }
  EXPECT_EQ(offsets.size(), 25u) << "every (dy, dx) in [-2, 2]^2 should occur in 300 draws";
}

TEST(DataAugment, CropIsATranslationWithinThePaddingAndAddsToShift) {
  auto batch = pattern_batch(200);
  std::mt19937_64 rng(2);
  data::augment(batch, {.crop_padding = 1}, rng);
  std::set<std::pair<int, int>> offsets;
  for (auto [flip, ty, tx] : moves_of(batch)) {
    EXPECT_LE(std::abs(ty), 1);
    EXPECT_LE(std::abs(tx), 1);
    offsets.emplace(ty, tx);
  }
  EXPECT_EQ(offsets.size(), 9u);

  batch = pattern_batch(400);
  data::augment(batch, {.shift = 2, .crop_padding = 1}, rng);
  int largest = 0;
  for (auto [flip, ty, tx] : moves_of(batch)) {
    EXPECT_LE(std::abs(ty), 3);
    EXPECT_LE(std::abs(tx), 3);
    largest = std::max({largest, std::abs(ty), std::abs(tx)});
  }
  EXPECT_EQ(largest, 3);
}

TEST(DataAugment, FlipMirrorsAboutHalfTheImages) {
  auto batch = pattern_batch(200);
  std::mt19937_64 rng(3);
  data::augment(batch, {.flip = true}, rng);
  int mirrored = 0;
  for (auto [flip, ty, tx] : moves_of(batch)) {
    EXPECT_EQ(ty, 0);
    EXPECT_EQ(tx, 0);
    mirrored += flip;
  }
  EXPECT_GT(mirrored, 70);  // binomial(200, 1/2): 100 +- 7
  EXPECT_LT(mirrored, 130);
  // Mirroring a mirrored image gives it back (so the flip is its own inverse).
  EXPECT_EQ(expected(false, 0, 0), [] {
    auto once = expected(true, 0, 0);
    std::vector<float> twice(once.size());
    for (int c = 0; c < kC; ++c)
      for (int y = 0; y < kH; ++y)
        for (int x = 0; x < kW; ++x)
          twice[(c * kH + y) * kW + x] = once[(c * kH + y) * kW + (kW - 1 - x)];
    return twice;
  }());

  batch = pattern_batch(100);
  data::augment(batch, {.shift = 1, .flip = true}, rng);
  std::set<bool> kinds;
  for (auto [flip, ty, tx] : moves_of(batch)) {
    EXPECT_LE(std::abs(ty), 1);
    EXPECT_LE(std::abs(tx), 1);
    kinds.insert(flip);
  }
  EXPECT_EQ(kinds.size(), 2u);
}

TEST(DataAugment, TheGeneratorStateAloneDecides) {
  const data::Augmentation all{.shift = 2, .crop_padding = 2, .flip = true, .elastic_alpha = 5};
  auto a = pattern_batch(16), b = pattern_batch(16);
  std::mt19937_64 rng_a(9), rng_b(9);
  data::augment(a, all, rng_a);
  data::augment(b, all, rng_b);
  EXPECT_TRUE(std::ranges::equal(a.data(), b.data()));
  EXPECT_EQ(rng_a(), rng_b());
  auto c = pattern_batch(16);
  std::mt19937_64 rng_c(10);
  data::augment(c, all, rng_c);
  EXPECT_FALSE(std::ranges::equal(a.data(), c.data()));
}

TEST(DataAugment, ElasticWithAlphaZeroIsTheIdentityAndDrawsNothing) {
  auto batch = pattern_batch(4);
  const auto before = batch;
  std::mt19937_64 rng(5), fresh(5);
  data::augment(batch, data::parse_augmentation("elastic=0:4"), rng);
  EXPECT_TRUE(std::ranges::equal(batch.data(), before.data()));
  EXPECT_EQ(rng(), fresh());
}

// The elastic displacements drawn from `seed` at `alpha` (sigma 4), read
// off ramps: channel 0 holds x, channel 1 holds y and channel 2 holds x + 5.
// Bilinear sampling reproduces a linear ramp exactly, so away from the
// border each output is its sampling position. Only pixels at least 3 from
// the border are kept (row by row, images one after another).
struct Displacements {
  std::vector<float> dx, dy;
};
constexpr int64_t kSide = 28, kRampImages = 4;

Displacements elastic_displacements(double alpha, uint64_t seed) {
  ir::Tensor batch(ir::Shape{kRampImages, 3, kSide, kSide});
  const int64_t plane = kSide * kSide;
  for (int64_t b = 0; b < kRampImages; ++b)
    for (int64_t y = 0; y < kSide; ++y)
      for (int64_t x = 0; x < kSide; ++x) {
        float* image = batch.raw() + b * 3 * plane;
        image[y * kSide + x] = static_cast<float>(x);
        image[plane + y * kSide + x] = static_cast<float>(y);
        image[2 * plane + y * kSide + x] = static_cast<float>(x + 5);
      }
  std::mt19937_64 rng(seed);
  data::augment(batch, {.elastic_alpha = alpha, .elastic_sigma = 4}, rng);
  Displacements out;
  for (int64_t b = 0; b < kRampImages; ++b) {
    const float* image = batch.raw() + b * 3 * plane;
    for (int64_t y = 3; y < kSide - 3; ++y)
      for (int64_t x = 3; x < kSide - 3; ++x) {
        out.dx.push_back(image[y * kSide + x] - static_cast<float>(x));
        out.dy.push_back(image[plane + y * kSide + x] - static_cast<float>(y));
        EXPECT_NEAR(image[2 * plane + y * kSide + x] - 5 - static_cast<float>(x), out.dx.back(),
                    1e-4)
            << "the channels of one image moved apart at " << b << " " << y << " " << x;
      }
  }
  return out;
}

TEST(DataAugment, ElasticDisplacementsAreSmoothBoundedScaledAndShared) {
  constexpr double kAlpha = 2;
  const Displacements d = elastic_displacements(kAlpha, 11);
  constexpr int64_t kRow = kSide - 6;
  double sum_abs = 0, sum_step = 0, largest = 0;
  bool fields_differ = false;
  for (size_t i = 0; i < d.dx.size(); ++i) {
    largest = std::max({largest, std::abs(double{d.dx[i]}), std::abs(double{d.dy[i]})});
    sum_abs += std::abs(d.dx[i]);
    if ((i + 1) % kRow != 0) sum_step += std::abs(d.dx[i + 1] - d.dx[i]);
    fields_differ |= std::abs(d.dx[i] - d.dy[i]) > 1e-3;
  }
  // The smoothed field is within [-1, 1] before scaling.
  EXPECT_LE(largest, kAlpha + 1e-4);
  EXPECT_GT(sum_abs / static_cast<double>(d.dx.size()), 0.01 * kAlpha) << "hardly displaced";
  // Neighbouring displacements of a field smoothed at sigma 4 differ by
  // about a fifth of their size; unsmoothed noise would differ by more than
  // its size.
  EXPECT_LT(sum_step / sum_abs, 0.4);
  EXPECT_TRUE(fields_differ) << "x and y displacements should be independent";
  // Alpha only scales the same field.
  const Displacements twice = elastic_displacements(2 * kAlpha, 11);
  for (size_t i = 0; i < d.dx.size(); ++i) {
    ASSERT_NEAR(twice.dx[i], 2 * d.dx[i], 1e-4) << i;
    ASSERT_NEAR(twice.dy[i], 2 * d.dy[i], 1e-4) << i;
  }
}

TEST(DataAugment, ElasticKeepsShapeAndValueRangeAndChangesTheImage) {
  ir::Tensor batch(ir::Shape{8, 1, 28, 28});
  std::mt19937_64 fill(4);
  for (float& v : batch.data()) v = static_cast<float>(fill() % 256) / 255.0f;
  const auto before = batch;
  std::mt19937_64 rng(12);
  data::augment(batch, data::parse_augmentation("elastic"), rng);
  EXPECT_EQ(batch.shape(), before.shape());
  double changed = 0;
  for (int64_t i = 0; i < batch.size(); ++i) {
    ASSERT_TRUE(batch[i] >= 0.0f && batch[i] <= 1.0f) << i << ": " << batch[i];
    changed += std::abs(batch[i] - before[i]);
  }
  EXPECT_GT(changed / static_cast<double>(batch.size()), 0.05);

  // A Gaussian wider than the image still smooths (mirroring repeatedly).
  ir::Tensor tiny(ir::Shape{2, 1, 3, 2});
  std::ranges::fill(tiny.data(), 0.5f);
  data::augment(tiny, {.elastic_alpha = 1, .elastic_sigma = 20}, rng);
  for (float v : tiny.data()) EXPECT_TRUE(v >= 0.0f && v <= 0.5f) << v;
}

TEST(DataAugment, BadBatchesAndSettingsAreRejected) {
  std::mt19937_64 rng(1);
  ir::Tensor flat(ir::Shape{2, 28, 28});
  EXPECT_CONTAINS(invalid_argument_of([&] { data::augment(flat, {.shift = 1}, rng); }),
                  "[B, C, H, W]");
  auto batch = pattern_batch(1);
  EXPECT_THROW(data::augment(batch, {.shift = -1}, rng), std::invalid_argument);
  EXPECT_THROW(data::augment(batch, {.elastic_alpha = 3, .elastic_sigma = 0}, rng),
               std::invalid_argument);
  EXPECT_THROW(data::augment(batch, {.elastic_alpha = INFINITY}, rng), std::invalid_argument);
  // A Gaussian far wider than the image is cut short, not a stall or an overflow.
  data::augment(batch, {.elastic_alpha = 1, .elastic_sigma = 1e300}, rng);
  for (float v : batch.data()) ASSERT_TRUE(std::isfinite(v));
  // A shift far beyond the image leaves only zeros, without overflow.
  data::augment(batch, {.crop_padding = 2'000'000'000}, rng);
  for (float v : batch.data()) EXPECT_EQ(v, 0.0f);
}

}  // namespace
}  // namespace cnnc::testing
