// Pictures of a model's insides for `cnnc viz`: convolution filters and
// feature maps laid out as a grid of tiles.
//
// Every picture is an RGB image [3, H, W] with values in [0, 1], ready for
// write_png (runtime/image.h). Each tile is normalized on its own: its
// minimum becomes 0 and its maximum 255 (a constant tile is black), unless
// GridOptions::shared_range puts every tile on one scale. Tiles are
// magnified by an integer factor with nearest-neighbour sampling, so a 5x5
// kernel shows as sharp squares, and separated by 1-pixel lines of
// kSeparator. A grid of R rows and C columns of h x w tiles at scale s is
// C*w*s + (C-1) pixels wide and R*h*s + (R-1) high.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "ir/tensor.h"

namespace cnnc::viz {

// The colour of the lines between tiles (a slate blue no gray tile has).
inline constexpr std::array<uint8_t, 3> kSeparator{64, 96, 160};

struct GridOptions {
  // Nearest-neighbour magnification; 0: the smallest that makes a tile's
  // longer side at least kAutoTilePixels pixels.
  int scale = 0;
  // Tiles per row; 0: about square, or one row per filter for a grid of
  // (filter, channel) tiles.
  int columns = 0;
  // One [min, max] over all tiles instead of one per tile, so magnitudes
  // compare across tiles.
  bool shared_range = false;
};

inline constexpr int64_t kAutoTilePixels = 48;
// Pictures wider or higher than this are refused (std::invalid_argument).
inline constexpr int64_t kMaxPixels = 16384;

// One tile: `channels` (1: gray, 3: RGB) planes of height x width values.
struct Tile {
  int64_t channels = 1, height = 0, width = 0;
  std::vector<float> values;  // [channels, height, width]
};

// Tiles of one size, row by row, `columns` to a row (0: about square).
// Throws std::invalid_argument for no tiles, tiles of different sizes, a
// channel count other than 1 or 3, or a picture beyond kMaxPixels.
ir::Tensor tile_grid(const std::vector<Tile>& tiles, const GridOptions& options);

// How a grid came out, for the command's message.
struct GridLayout {
  int64_t tiles = 0, rows = 0, columns = 0, tile_height = 0, tile_width = 0, scale = 1;
};
GridLayout grid_layout(const std::vector<Tile>& tiles, const GridOptions& options);

// A convolution weight [K, C, kernel...] (conv1d: [K, C, w]; conv2d and
// conv_transpose2d: [K, C, h, w]; conv3d: [K, C, d, h, w], the d slices of a
// tile stacked vertically) as tiles: one RGB tile per filter from its first
// three channels when C >= 3 (unless `gray`), one gray tile per filter when
// C = 1, else one gray tile per (filter, channel), a row per filter.
// Throws std::invalid_argument for another rank.
std::vector<Tile> filter_tiles(const ir::Tensor& weight, bool gray = false);
// Columns filter_tiles' layout asks for when GridOptions::columns is 0
// (0: about square).
int64_t filter_columns(const ir::Tensor& weight, bool gray = false);

// An activation [N, C, spatial...] (the first item is drawn) as one gray
// tile per channel: [N, C, H, W] as H x W maps, [N, C, L] as 1 x L strips,
// [N, C, D, H, W] with the D slices stacked; [N, K] is one 1 x K strip.
// Throws std::invalid_argument for another rank or an empty tensor.
std::vector<Tile> feature_map_tiles(const ir::Tensor& activation);

// The two together: filter_tiles laid out with filter_columns (unless
// options.columns says otherwise), and feature_map_tiles on a square grid.
ir::Tensor filter_grid(const ir::Tensor& weight, const GridOptions& options, bool gray = false);
ir::Tensor feature_map_grid(const ir::Tensor& activation, const GridOptions& options);

}  // namespace cnnc::viz
