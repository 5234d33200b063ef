#include "runtime/visualize.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace cnnc::viz {

namespace {

struct Range {
  float lo = std::numeric_limits<float>::infinity();
  float hi = -std::numeric_limits<float>::infinity();
  void add(float v) {
    if (!std::isfinite(v)) return;
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  void add(const Range& r) { lo = std::min(lo, r.lo), hi = std::max(hi, r.hi); }
  // v -> 0..1; a constant (or empty) range maps to 0, non-finite values too.
  float normalize(float v) const {
    if (!std::isfinite(v) || !(hi > lo)) return 0.0f;
    return std::clamp((v - lo) / (hi - lo), 0.0f, 1.0f);
  }
};

Range range_of(const Tile& t) {
  Range r;
  for (float v : t.values) r.add(v);
  return r;
}

// [K, C, kernel...] -> the height and width of one channel's tile.
struct KernelShape {
  int64_t filters, channels, height, width;
};

KernelShape kernel_shape(const ir::Tensor& weight) {
  const ir::Shape& s = weight.shape();
  if (s.rank() < 3 || s.rank() > 5)
    throw std::invalid_argument(fmt::format(
        "a weight of shape {} is not a convolution's [K, C, kernel...] with a 1-, 2- or 3-D kernel",
        ir::to_string(s)));
  KernelShape k{s[0], s[1], 1, s[s.rank() - 1]};
  for (size_t d = 2; d + 1 < s.rank(); ++d) k.height *= s[d];
  if (k.filters < 1 || k.channels < 1 || k.height < 1 || k.width < 1)
    throw std::invalid_argument(
        fmt::format("the weight of shape {} is empty", ir::to_string(weight.shape())));
  return k;
}

bool rgb_filters(const KernelShape& k, bool gray) {
  return !gray && k.channels >= 3;
}

}  // namespace

GridLayout grid_layout(const std::vector<Tile>& tiles, const GridOptions& options) {
  if (tiles.empty()) throw std::invalid_argument("nothing to draw: no tiles");
  GridLayout l;
  l.tiles = static_cast<int64_t>(tiles.size());
  l.tile_height = tiles[0].height;
  l.tile_width = tiles[0].width;
  for (const Tile& t : tiles) {
    if (t.height != l.tile_height || t.width != l.tile_width)
      throw std::invalid_argument(fmt::format("tiles of different sizes: {}x{} and {}x{}",
                                              l.tile_height, l.tile_width, t.height, t.width));
    if (t.channels != 1 && t.channels != 3)
      throw std::invalid_argument(
          fmt::format("a tile has {} channels; tiles are gray (1) or RGB (3)", t.channels));
    if (t.height < 1 || t.width < 1 ||
        static_cast<int64_t>(t.values.size()) != t.channels * t.height * t.width)
      throw std::invalid_argument(fmt::format("a {}x{} tile of {} channels holds {} values",
                                              t.height, t.width, t.channels, t.values.size()));
  }
  if (options.columns < 0 || options.scale < 0)
    throw std::invalid_argument("columns and scale must not be negative");
  l.columns = options.columns > 0
                  ? std::min<int64_t>(options.columns, l.tiles)
                  : static_cast<int64_t>(std::ceil(std::sqrt(static_cast<double>(l.tiles))));
  l.rows = (l.tiles + l.columns - 1) / l.columns;
  const int64_t longer = std::max(l.tile_height, l.tile_width);
  l.scale = options.scale > 0 ? options.scale
                              : std::max<int64_t>(1, (kAutoTilePixels + longer - 1) / longer);
  const int64_t width = l.columns * l.tile_width * l.scale + (l.columns - 1);
  const int64_t height = l.rows * l.tile_height * l.scale + (l.rows - 1);
  if (width > kMaxPixels || height > kMaxPixels)
    throw std::invalid_argument(fmt::format(
        "the picture would be {}x{} pixels ({} tiles of {}x{} at scale {}), more than {} a side; "
        "use a smaller --scale or fewer tiles",
        width, height, l.tiles, l.tile_height, l.tile_width, l.scale, kMaxPixels));
  return l;
}

ir::Tensor tile_grid(const std::vector<Tile>& tiles, const GridOptions& options) {
  const GridLayout l = grid_layout(tiles, options);
  const int64_t width = l.columns * l.tile_width * l.scale + (l.columns - 1);
  const int64_t height = l.rows * l.tile_height * l.scale + (l.rows - 1);
  const int64_t plane = width * height;
  ir::Tensor image(ir::Shape{3, height, width});
  for (int c = 0; c < 3; ++c)
    std::fill_n(image.raw() + c * plane, plane, static_cast<float>(kSeparator[c]) / 255.0f);

  Range shared;
  if (options.shared_range)
    for (const Tile& t : tiles) shared.add(range_of(t));
  const int64_t th = l.tile_height, tw = l.tile_width, tile_plane = th * tw;
  for (int64_t i = 0; i < l.tiles; ++i) {
    const Tile& t = tiles[static_cast<size_t>(i)];
    const Range r = options.shared_range ? shared : range_of(t);
    const int64_t x0 = (i % l.columns) * (tw * l.scale + 1);
    const int64_t y0 = (i / l.columns) * (th * l.scale + 1);
    for (int64_t y = 0; y < th * l.scale; ++y)
      for (int64_t x = 0; x < tw * l.scale; ++x) {
        const int64_t src = (y / l.scale) * tw + x / l.scale;
        const int64_t dst = (y0 + y) * width + x0 + x;
        for (int64_t c = 0; c < 3; ++c) {
          const float v = r.normalize(
              t.values[static_cast<size_t>((t.channels == 3 ? c : 0) * tile_plane + src)]);
          // Quantized here so a PNG of the picture holds exactly these levels.
          image[c * plane + dst] = std::round(v * 255.0f) / 255.0f;
        }
      }
  }
  return image;
}

std::vector<Tile> filter_tiles(const ir::Tensor& weight, bool gray) {
  const KernelShape k = kernel_shape(weight);
  const int64_t plane = k.height * k.width;
  const float* w = weight.raw();
  std::vector<Tile> tiles;
  auto tile = [&](int64_t filter, int64_t first_channel, int64_t channels) {
    Tile t{.channels = channels, .height = k.height, .width = k.width};
    const float* src = w + (filter * k.channels + first_channel) * plane;
    t.values.assign(src, src + channels * plane);
    tiles.push_back(std::move(t));
  };
  for (int64_t f = 0; f < k.filters; ++f) {
    if (rgb_filters(k, gray))
      tile(f, 0, 3);
    else
      for (int64_t c = 0; c < k.channels; ++c) tile(f, c, 1);
  }
  return tiles;
}

int64_t filter_columns(const ir::Tensor& weight, bool gray) {
  const KernelShape k = kernel_shape(weight);
  return rgb_filters(k, gray) || k.channels == 1 ? 0 : k.channels;
}

std::vector<Tile> feature_map_tiles(const ir::Tensor& activation) {
  const ir::Shape& s = activation.shape();
  if (s.rank() < 2 || s.rank() > 5)
    throw std::invalid_argument(fmt::format(
        "cannot draw a tensor of shape {} as feature maps: expected [N, C, spatial...] or [N, K]",
        ir::to_string(s)));
  if (activation.size() == 0)
    throw std::invalid_argument(fmt::format("the tensor {} is empty", ir::to_string(s)));
  const float* item = activation.raw();  // the first item
  if (s.rank() == 2) {
    Tile t{.channels = 1, .height = 1, .width = s[1]};
    t.values.assign(item, item + s[1]);
    return {t};
  }
  int64_t height = 1;
  for (size_t d = 2; d + 1 < s.rank(); ++d) height *= s[d];
  const int64_t width = s[s.rank() - 1], plane = height * width;
  std::vector<Tile> tiles;
  for (int64_t c = 0; c < s[1]; ++c) {
    Tile t{.channels = 1, .height = height, .width = width};
    t.values.assign(item + c * plane, item + (c + 1) * plane);
    tiles.push_back(std::move(t));
  }
  return tiles;
}

ir::Tensor filter_grid(const ir::Tensor& weight, const GridOptions& options, bool gray) {
  GridOptions o = options;
  if (o.columns == 0) o.columns = static_cast<int>(filter_columns(weight, gray));
  return tile_grid(filter_tiles(weight, gray), o);
}

ir::Tensor feature_map_grid(const ir::Tensor& activation, const GridOptions& options) {
  return tile_grid(feature_map_tiles(activation), options);
}

}  // namespace cnnc::viz
