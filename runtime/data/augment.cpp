#include "runtime/data/augment.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <climits>
#include <cmath>
#include <cstdlib>
#include <optional>
#include <stdexcept>
#include <vector>

#include "runtime/data/random.h"

namespace cnnc::data {

namespace {

constexpr double kSimardAlpha = 34, kSimardSigma = 4;
// Far beyond any useful distortion, and small enough that scaled
// displacements stay finite floats.
constexpr double kMaxAlpha = 1e6;
constexpr const char* kKinds = "shift=N, crop=N, flip, elastic or elastic=ALPHA:SIGMA";

std::string_view trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

// Whole-string parses; on false the caller words the error.
bool parse_int(std::string_view text, int& out) {
  std::string s(text);
  if (s.empty() || !(std::isdigit(static_cast<unsigned char>(s[0])) || s[0] == '-')) return false;
  char* end = nullptr;
  errno = 0;
  const long v = std::strtol(s.c_str(), &end, 10);
  if (errno != 0 || *end != '\0' || v < INT32_MIN || v > INT32_MAX) return false;
  out = static_cast<int>(v);
  return true;
}

bool parse_double(std::string_view text, double& out) {
  std::string s(text);
  if (s.empty()) return false;
  char* end = nullptr;
  errno = 0;
  const double v = std::strtod(s.c_str(), &end);
  if (errno != 0 || *end != '\0' || !std::isfinite(v)) return false;
  out = v;
  return true;
}

// scipy.ndimage's 'reflect' border (d c b a | a b c d | d c b a), valid for
// any distance outside, since a wide kernel can reach past a small image.
int reflect(int i, int n) {
  const int period = 2 * n;
  i %= period;
  if (i < 0) i += period;
  return i < n ? i : period - 1 - i;
}

// A normalized Gaussian smoothing H x W fields in two 1-D passes.
class GaussianBlur {
 public:
  GaussianBlur(double sigma, int height, int width)
      : height_(height), width_(width), stride_((width + kBlock - 1) / kBlock * kBlock) {
    // A kernel wider than a few image sizes would only wrap around the
    // mirrored field again; the cap also keeps a huge sigma from overflowing.
    radius_ =
        static_cast<int>(std::clamp(std::ceil(3 * sigma), 1.0, 4.0 * std::max(height, width)));
    double sum = 0;
    for (int k = -radius_; k <= radius_; ++k) {
      weights_.push_back(static_cast<float>(std::exp(-0.5 * k * k / (sigma * sigma))));
      sum += weights_.back();
    }
    for (float& w : weights_) w = static_cast<float>(w / sum);
    for (int j = -radius_; j < width + radius_; ++j) column_of_.push_back(reflect(j, width));
    for (int j = -radius_; j < height + radius_; ++j) row_of_.push_back(reflect(j, height));
    // Rows are padded to whole blocks (the padding is computed and dropped).
    padded_.resize(static_cast<size_t>(stride_ + 2 * radius_));
    rows_.resize(static_cast<size_t>(height) * stride_);
    line_.resize(static_cast<size_t>(stride_));
  }

  void apply(std::vector<float>& field) {
    const size_t w = static_cast<size_t>(width_), stride = static_cast<size_t>(stride_);
    for (int y = 0; y < height_; ++y) {
      const float* in = field.data() + y * w;
      for (size_t j = 0; j < column_of_.size(); ++j) padded_[j] = in[column_of_[j]];
      convolve(rows_.data() + y * stride, [&](int k) { return padded_.data() + k; });
    }
    for (int y = 0; y < height_; ++y) {
      convolve(line_.data(), [&](int k) { return rows_.data() + row_of_[y + k] * stride; });
      std::copy_n(line_.data(), w, field.data() + y * w);
    }
  }

 private:
  static constexpr int kBlock = 8;

  // out[x] = sum over k of weight k * source(k)[x], for x < stride_. Blocks
  // with a local accumulator let GCC vectorize at -O2 (a fixed trip count,
  // no stores through a pointer that might alias the inputs, no tail).
  template <class Source>
  void convolve(float* out, Source source) const {
    const int taps = 2 * radius_ + 1;
    for (int x = 0; x < stride_; x += kBlock) {
      float acc[kBlock] = {};
      for (int k = 0; k < taps; ++k) {
        const float weight = weights_[k];
        const float* in = source(k) + x;
        for (int j = 0; j < kBlock; ++j) acc[j] += weight * in[j];
      }
      std::copy_n(acc, kBlock, out + x);
    }
  }

  int height_, width_, stride_, radius_;
  std::vector<float> weights_;
  std::vector<int> column_of_, row_of_;  // padded position -> source index
  std::vector<float> padded_, rows_, line_;
};

// dst(y, x) = src(y - ty, x' - tx) with x' = W - 1 - x when flipping, else x.
void translate_flip(const float* src, float* dst, int channels, int height, int width, int ty,
                    int tx, bool flip) {
  for (int c = 0; c < channels; ++c)
    for (int y = 0; y < height; ++y) {
      float* out = dst + (static_cast<size_t>(c) * height + y) * width;
      const int sy = y - ty;
      if (sy < 0 || sy >= height) {
        std::fill_n(out, width, 0.0f);
        continue;
      }
      const float* in = src + (static_cast<size_t>(c) * height + sy) * width;
      for (int x = 0; x < width; ++x) {
        const int sx = (flip ? width - 1 - x : x) - tx;
        out[x] = sx >= 0 && sx < width ? in[sx] : 0.0f;
      }
    }
}

// dst(y, x) = bilinear sample of src at (y + dy, x + dx), 0 outside.
// `framed` is scratch for a channel with a frame of zeros around it (one
// row and column before, two after), where positions clamped to [-1, size]
// read zeros exactly where the true ones would fall outside, so the inner
// loop needs no bounds checks.
void displace(const float* src, float* dst, int channels, int height, int width,
              const std::vector<float>& dx, const std::vector<float>& dy,
              std::vector<float>& framed) {
  const size_t plane = static_cast<size_t>(height) * width;
  const size_t stride = static_cast<size_t>(width) + 3;
  framed.assign(stride * (static_cast<size_t>(height) + 3), 0.0f);
  for (int c = 0; c < channels; ++c) {
    const float* in = src + c * plane;
    for (int y = 0; y < height; ++y)
      std::copy_n(in + static_cast<size_t>(y) * width, width, framed.data() + (y + 1) * stride + 1);
    float* out = dst + c * plane;
    for (int y = 0; y < height; ++y)
      for (int x = 0; x < width; ++x) {
        const size_t i = static_cast<size_t>(y) * width + x;
        // Positions in the frame, where they are >= 0, so truncation floors.
        const float sy =
            std::clamp(static_cast<float>(y + 1) + dy[i], 0.0f, static_cast<float>(height + 1));
        const float sx =
            std::clamp(static_cast<float>(x + 1) + dx[i], 0.0f, static_cast<float>(width + 1));
        const auto iy = static_cast<size_t>(sy), ix = static_cast<size_t>(sx);
        const float wy = sy - static_cast<float>(iy), wx = sx - static_cast<float>(ix);
        const float* p = framed.data() + iy * stride + ix;
        out[i] = (1 - wy) * ((1 - wx) * p[0] + wx * p[1]) +
                 wy * ((1 - wx) * p[stride] + wx * p[stride + 1]);
      }
  }
}

}  // namespace

Augmentation parse_augmentation(std::string_view spec) {
  Augmentation a;
  if (trim(spec).empty() || trim(spec) == "none") return a;
  bool seen_shift = false, seen_crop = false, seen_flip = false, seen_elastic = false;
  size_t start = 0;
  while (start <= spec.size()) {
    size_t end = std::min(spec.find(',', start), spec.size());
    const std::string_view item = trim(spec.substr(start, end - start));
    start = end + 1;
    auto fail = [&](std::string_view why) {
      return std::invalid_argument(
          fmt::format("augmentation '{}' in '{}': {} (the kinds are {})", item, spec, why, kKinds));
    };
    if (item.empty()) throw fail("empty item");
    const size_t eq = item.find('=');
    const std::string_view kind = trim(item.substr(0, eq));
    const bool has_value = eq != std::string_view::npos;
    const std::string_view value = has_value ? trim(item.substr(eq + 1)) : std::string_view();
    auto once = [&](bool& seen) {
      if (seen) throw fail("given twice");
      seen = true;
    };

    if (kind == "shift" || kind == "crop") {
      once(kind == "shift" ? seen_shift : seen_crop);
      int n = 0;
      if (!has_value) throw fail(fmt::format("give the pixels, e.g. {}=2", kind));
      if (!parse_int(value, n) || n < 0)
        throw fail(fmt::format("'{}' is not a whole number of pixels >= 0", value));
      (kind == "shift" ? a.shift : a.crop_padding) = n;
    } else if (kind == "flip") {
      once(seen_flip);
      if (has_value) throw fail("flip takes no value");
      a.flip = true;
    } else if (kind == "elastic") {
      once(seen_elastic);
      a.elastic_alpha = kSimardAlpha;
      a.elastic_sigma = kSimardSigma;
      if (has_value) {
        const size_t colon = value.find(':');
        if (!parse_double(value.substr(0, colon), a.elastic_alpha) || a.elastic_alpha < 0 ||
            a.elastic_alpha > kMaxAlpha)
          throw fail(fmt::format("alpha '{}' is not a number from 0 to {}", value.substr(0, colon),
                                 kMaxAlpha));
        if (colon != std::string_view::npos &&
            (!parse_double(value.substr(colon + 1), a.elastic_sigma) || a.elastic_sigma <= 0))
          throw fail(fmt::format("sigma '{}' is not a number > 0", value.substr(colon + 1)));
      }
    } else {
      throw fail(fmt::format("unknown kind '{}'", kind));
    }
  }
  return a;
}

std::string to_string(const Augmentation& a) {
  std::vector<std::string> items;
  if (a.shift > 0) items.push_back(fmt::format("shift={}", a.shift));
  if (a.crop_padding > 0) items.push_back(fmt::format("crop={}", a.crop_padding));
  if (a.flip) items.push_back("flip");
  if (a.elastic_alpha > 0)
    items.push_back(fmt::format("elastic={}:{}", a.elastic_alpha, a.elastic_sigma));
  return items.empty() ? "none" : fmt::format("{}", fmt::join(items, ","));
}

void augment(ir::Tensor& batch, const Augmentation& a, std::mt19937_64& rng) {
  const ir::Shape& s = batch.shape();
  if (s.rank() != 4)
    throw std::invalid_argument(
        fmt::format("augment: a batch is [B, C, H, W], not {}", ir::to_string(s)));
  if (a.shift < 0 || a.crop_padding < 0 ||
      !(a.elastic_alpha >= 0 && a.elastic_alpha <= kMaxAlpha) ||
      (a.elastic_alpha > 0 && !(a.elastic_sigma > 0 && std::isfinite(a.elastic_sigma))))
    throw std::invalid_argument(
        fmt::format("augment: bad settings (shift {}, crop {}, elastic alpha {}, sigma {})",
                    a.shift, a.crop_padding, a.elastic_alpha, a.elastic_sigma));
  if (!a.enabled() || batch.size() == 0) return;

  const int channels = static_cast<int>(s[1]), height = static_cast<int>(s[2]),
            width = static_cast<int>(s[3]);
  const size_t plane = static_cast<size_t>(height) * width;
  const size_t item = plane * channels;
  std::vector<float> scratch(item);
  const bool elastic = a.elastic_alpha > 0;
  std::vector<float> dx, dy, framed;
  std::optional<GaussianBlur> blur;
  if (elastic) {
    dx.resize(plane);
    dy.resize(plane);
    blur.emplace(a.elastic_sigma, height, width);
  }

  for (int64_t b = 0; b < s[0]; ++b) {
    float* image = batch.raw() + b * static_cast<int64_t>(item);
    int64_t tx = 0, ty = 0;
    if (a.shift > 0) {
      tx = uniform_int(rng, -a.shift, a.shift);
      ty = uniform_int(rng, -a.shift, a.shift);
    }
    if (a.crop_padding > 0) {
      // Cropping at offset o of the padded image puts its pixel o - P at 0.
      const int64_t p = a.crop_padding;
      tx += p - uniform_int(rng, 0, 2 * p);
      ty += p - uniform_int(rng, 0, 2 * p);
    }
    const bool flip = a.flip && (rng() >> 63) != 0;
    if (tx != 0 || ty != 0 || flip) {
      // Beyond the image size every translation leaves only zeros.
      translate_flip(image, scratch.data(), channels, height, width,
                     static_cast<int>(std::clamp<int64_t>(ty, -height, height)),
                     static_cast<int>(std::clamp<int64_t>(tx, -width, width)), flip);
      std::copy(scratch.begin(), scratch.end(), image);
    }
    if (elastic) {
      for (auto* field : {&dx, &dy}) {
        fill_signed_unit(rng, *field);
        blur->apply(*field);
        for (float& v : *field) v *= static_cast<float>(a.elastic_alpha);
      }
      displace(image, scratch.data(), channels, height, width, dx, dy, framed);
      std::copy(scratch.begin(), scratch.end(), image);
    }
  }
}

}  // namespace cnnc::data
