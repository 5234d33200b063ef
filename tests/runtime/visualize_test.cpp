#include "runtime/visualize.h"

#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>

namespace cnnc::viz {
namespace {

// The 0..255 level of channel `c` at (x, y) of a picture.
int level(const ir::Tensor& picture, int c, int64_t x, int64_t y) {
  const int64_t h = picture.shape()[1], w = picture.shape()[2];
  return static_cast<int>(std::lround(picture[(c * h + y) * w + x] * 255.0f));
}

ir::Tensor iota(ir::Shape shape) {
  ir::Tensor t(std::move(shape));
  for (int64_t i = 0; i < t.size(); ++i) t[i] = static_cast<float>(i);
  return t;
}

TEST(Visualize, GridSizeSeparatorsAndNormalization) {
  // 5 gray tiles of 2x3, values 0..5 in tile 0, a constant tile 4.
  std::vector<Tile> tiles;
  for (int i = 0; i < 5; ++i) {
    Tile t{.channels = 1, .height = 2, .width = 3};
    for (int v = 0; v < 6; ++v) t.values.push_back(i == 4 ? 7.0f : static_cast<float>(v * (i + 1)));
    tiles.push_back(t);
  }
  const ir::Tensor p = tile_grid(tiles, {.scale = 4});
  // 3 columns, 2 rows of 8x12 tiles with 1-pixel separators.
  ASSERT_EQ(p.shape(), (ir::Shape{3, 2 * 8 + 1, 3 * 12 + 2}));
  EXPECT_EQ(level(p, 0, 0, 0), 0);     // tile 0's minimum
  EXPECT_EQ(level(p, 0, 11, 7), 255);  // its maximum, magnified 4x
  EXPECT_EQ(level(p, 1, 4, 0), 51);    // value 1 of 0..5
  for (int c = 0; c < 3; ++c) {
    EXPECT_EQ(level(p, c, 12, 3), kSeparator[static_cast<size_t>(c)]);   // between columns
    EXPECT_EQ(level(p, c, 3, 8), kSeparator[static_cast<size_t>(c)]);    // between rows
    EXPECT_EQ(level(p, c, 30, 12), kSeparator[static_cast<size_t>(c)]);  // the empty sixth cell
  }
  EXPECT_EQ(level(p, 0, 13 + 5, 9 + 3), 0);  // the constant tile is black

  // One range for all tiles: tile 0's maximum (5) is 5/20 of the largest (20).
  const ir::Tensor shared = tile_grid(tiles, {.scale = 1, .shared_range = true});
  EXPECT_EQ(level(shared, 0, 2, 1), 64);
  // Automatic scale: 48 / 3 = 16.
  EXPECT_EQ(grid_layout(tiles, {}).scale, 16);
  EXPECT_EQ(grid_layout(tiles, {.columns = 5}).rows, 1);
}

TEST(Visualize, FilterTilesByChannels) {
  const ir::Tensor rgb = iota(ir::Shape{4, 3, 2, 2});
  auto tiles = filter_tiles(rgb);
  ASSERT_EQ(tiles.size(), 4u);
  EXPECT_EQ(tiles[1].channels, 3);
  EXPECT_EQ(tiles[1].values.front(), 12.0f);
  EXPECT_EQ(filter_columns(rgb), 0);
  EXPECT_EQ(filter_tiles(rgb, true).size(), 12u);
  EXPECT_EQ(filter_columns(rgb, true), 3);

  const ir::Tensor two = iota(ir::Shape{4, 2, 3, 3});
  EXPECT_EQ(filter_tiles(two).size(), 8u);
  const ir::Tensor picture = filter_grid(two, {.scale = 1});
  EXPECT_EQ(picture.shape(), (ir::Shape{3, 4 * 3 + 3, 2 * 3 + 1}));  // a row per filter

  EXPECT_EQ(filter_tiles(iota(ir::Shape{6, 1, 5})).size(), 6u);           // conv1d: 1 x 5 strips
  EXPECT_EQ(filter_tiles(iota(ir::Shape{2, 1, 3, 4, 5}))[0].height, 12);  // conv3d: stacked
  EXPECT_THROW(filter_tiles(iota(ir::Shape{10, 20})), std::invalid_argument);
}

TEST(Visualize, FeatureMapsAndErrors) {
  auto maps = feature_map_tiles(iota(ir::Shape{2, 6, 4, 5}));
  ASSERT_EQ(maps.size(), 6u);  // the first item only
  EXPECT_EQ(maps[5].values.back(), 6 * 20 - 1.0f);
  EXPECT_EQ(feature_map_tiles(iota(ir::Shape{1, 10})).size(), 1u);
  EXPECT_THROW(feature_map_tiles(iota(ir::Shape{10})), std::invalid_argument);

  EXPECT_THROW(tile_grid({}, {}), std::invalid_argument);
  std::vector<Tile> mixed{{.channels = 1, .height = 1, .width = 1, .values = {0}},
                          {.channels = 1, .height = 2, .width = 1, .values = {0, 1}}};
  EXPECT_THROW(tile_grid(mixed, {}), std::invalid_argument);
  std::vector<Tile> huge(1, Tile{.channels = 1, .height = 1, .width = 1, .values = {0}});
  EXPECT_THROW(tile_grid(huge, {.scale = 20000}), std::invalid_argument);
}

}  // namespace
}  // namespace cnnc::viz
