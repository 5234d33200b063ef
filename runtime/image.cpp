#include "runtime/image.h"

#include <fmt/format.h>
#include <stb/stb_image.h>
#include <stb/stb_image_resize.h>
#include <stb/stb_image_write.h>

#include <algorithm>
#include <cmath>
#include <memory>

#include "runtime/file_io.h"
#include "runtime/io_error.h"

namespace cnnc {

namespace {

std::string decode_failure() {
  const char* reason = stbi_failure_reason();
  return reason ? reason : "unknown image format";
}

struct Target {
  int channels, height, width;
};

Target target_of(const ir::Shape& shape, const std::string& path) {
  auto fail = [&](const std::string& why) {
    return IoError(fmt::format("{}: cannot load as a model input of shape {}: {}", path,
                               ir::to_string(shape), why));
  };
  if (shape.rank() != 4) throw fail("images load into 4-D inputs [N, C, H, W]");
  if (shape[1] != 1 && shape[1] != 3)
    throw fail(
        fmt::format("C = {}, but an image loads as 1 (grayscale) or 3 (RGB) channels", shape[1]));
  if (shape[2] < 1 || shape[3] < 1 || shape[2] > 65536 || shape[3] > 65536)
    throw fail("H and W must be concrete sizes from 1 to 65536");
  return {static_cast<int>(shape[1]), static_cast<int>(shape[2]), static_cast<int>(shape[3])};
}

std::vector<float> per_channel(const std::vector<float>& values, int channels, float fallback,
                               const char* what, const std::string& path) {
  if (values.empty()) return std::vector<float>(static_cast<size_t>(channels), fallback);
  if (values.size() == 1) return std::vector<float>(static_cast<size_t>(channels), values[0]);
  if (values.size() != static_cast<size_t>(channels))
    throw IoError(fmt::format("{}: {} has {} values, but the model input has {} channels", path,
                              what, values.size(), channels));
  return values;
}

// Decoded pixels in [0, 1], interleaved (HWC) with `channels` per pixel.
struct Pixels {
  int width = 0, height = 0, channels = 0;
  std::vector<float> values;
};

Pixels decode(const std::string& path, int channels) {
  auto bytes = read_file_bytes(path);
  if (bytes.size() > static_cast<size_t>(INT32_MAX))
    throw IoError(fmt::format("{}: image file too large", path));
  const auto* data = reinterpret_cast<const stbi_uc*>(bytes.data());
  int len = static_cast<int>(bytes.size());
  int w = 0, h = 0, source_channels = 0;
  if (!stbi_info_from_memory(data, len, &w, &h, &source_channels))
    throw IoError(fmt::format("{}: cannot decode image: {}", path, decode_failure()));
  // Gray (with or without alpha) loads as gray directly; colour goes to RGB
  // and, for a gray model, through BT.601 luma below.
  int load_channels = (channels == 1 && source_channels <= 2) ? 1 : 3;
  std::unique_ptr<stbi_uc, decltype(&stbi_image_free)> raw(
      stbi_load_from_memory(data, len, &w, &h, &source_channels, load_channels), &stbi_image_free);
  if (!raw) throw IoError(fmt::format("{}: cannot decode image: {}", path, decode_failure()));

  Pixels out{.width = w, .height = h, .channels = channels};
  size_t pixels = static_cast<size_t>(w) * static_cast<size_t>(h);
  out.values.resize(pixels * static_cast<size_t>(channels));
  const stbi_uc* p = raw.get();
  for (size_t i = 0; i < pixels; ++i) {
    if (load_channels == channels) {
      for (int c = 0; c < channels; ++c)
        out.values[i * channels + c] = p[i * load_channels + c] / 255.0f;
    } else {
      const stbi_uc* rgb = p + i * 3;
      out.values[i] = (0.299f * rgb[0] + 0.587f * rgb[1] + 0.114f * rgb[2]) / 255.0f;
    }
  }
  return out;
}

Pixels resized(Pixels in, int width, int height, const std::string& path) {
  if (in.width == width && in.height == height) return in;
  Pixels out{.width = width, .height = height, .channels = in.channels};
  out.values.resize(static_cast<size_t>(width) * height * in.channels);
  int ok = stbir_resize_float_generic(in.values.data(), in.width, in.height, 0, out.values.data(),
                                      width, height, 0, in.channels, STBIR_ALPHA_CHANNEL_NONE, 0,
                                      STBIR_EDGE_CLAMP, STBIR_FILTER_TRIANGLE,
                                      STBIR_COLORSPACE_LINEAR, nullptr);
  if (!ok)
    throw IoError(fmt::format("{}: resizing from {}x{} to {}x{} failed", path, in.width, in.height,
                              width, height));
  return out;
}

// Writes one image's [C, H, W] planes into `dst`.
void load_into(const std::string& path, const Target& target, const ImageOptions& options,
               std::span<float> dst) {
  auto mean = per_channel(options.mean, target.channels, 0.0f, "mean", path);
  auto stddev = per_channel(options.std, target.channels, 1.0f, "std", path);
  for (float s : stddev)
    if (!(s > 0)) throw IoError(fmt::format("{}: std values must be positive, got {}", path, s));

  Pixels px = resized(decode(path, target.channels), target.width, target.height, path);
  size_t plane = static_cast<size_t>(target.width) * target.height;
  for (int c = 0; c < target.channels; ++c)
    for (size_t i = 0; i < plane; ++i) {
      float v = px.values[i * target.channels + c];
      if (options.invert) v = 1.0f - v;
      dst[c * plane + i] = (v - mean[c]) / stddev[c];
    }
}

}  // namespace

ir::Tensor load_image(const std::string& path, const ir::Shape& input_shape,
                      const ImageOptions& options) {
  return load_images(std::span(&path, 1), input_shape, options);
}

ir::Tensor load_images(std::span<const std::string> paths, const ir::Shape& input_shape,
                       const ImageOptions& options) {
  if (paths.empty()) throw std::invalid_argument("load_images: no image paths given");
  Target target = target_of(input_shape, paths[0]);
  ir::Tensor batch(
      ir::Shape{static_cast<int64_t>(paths.size()), target.channels, target.height, target.width});
  size_t item = static_cast<size_t>(target.channels) * target.height * target.width;
  for (size_t b = 0; b < paths.size(); ++b)
    load_into(paths[b], target, options, batch.data().subspan(b * item, item));
  return batch;
}

void write_png(const std::string& path, const ir::Tensor& image, PixelScale scale) {
  const auto& s = image.shape();
  bool chw = s.rank() == 3 && (s[0] == 1 || s[0] == 3 || s[0] == 4);
  if (!chw && s.rank() != 2)
    throw std::invalid_argument(
        fmt::format("cannot write a tensor of shape {} as '{}': a PNG needs [C, H, W] with C = 1, "
                    "3 or 4, or [H, W]",
                    ir::to_string(s), path));
  int channels = chw ? static_cast<int>(s[0]) : 1;
  int height = static_cast<int>(s[s.rank() - 2]), width = static_cast<int>(s[s.rank() - 1]);
  if (height < 1 || width < 1)
    throw std::invalid_argument(
        fmt::format("cannot write an empty image {} as '{}'", ir::to_string(s), path));

  float lo = 0, hi = 1;
  if (scale == PixelScale::MinMax) {
    auto [mn, mx] = std::minmax_element(image.data().begin(), image.data().end());
    lo = *mn;
    hi = *mx;
  }
  float range = hi > lo ? hi - lo : 1.0f;
  size_t plane = static_cast<size_t>(width) * height;
  std::vector<unsigned char> pixels(plane * channels);
  for (int c = 0; c < channels; ++c)
    for (size_t i = 0; i < plane; ++i) {
      float v = (image[static_cast<int64_t>(c * plane + i)] - lo) / range;
      v = std::isnan(v) ? 0.0f : std::clamp(v, 0.0f, 1.0f);
      pixels[i * channels + c] = static_cast<unsigned char>(std::lround(v * 255.0f));
    }

  std::vector<char> encoded;
  auto append = [](void* context, void* data, int size) {
    auto* out = static_cast<std::vector<char>*>(context);
    out->insert(out->end(), static_cast<char*>(data), static_cast<char*>(data) + size);
  };
  if (!stbi_write_png_to_func(append, &encoded, width, height, channels, pixels.data(),
                              width * channels))
    throw IoError(fmt::format("cannot write '{}': PNG encoding failed", path));
  write_file_atomically(path, encoded);
}

}  // namespace cnnc
