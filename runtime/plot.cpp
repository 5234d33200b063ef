#include "runtime/plot.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <map>
#include <optional>
#include <sstream>
#include <stdexcept>

#include "runtime/file_io.h"
#include "runtime/image.h"
#include "runtime/io_error.h"
#include "runtime/trainer.h"

namespace cnnc::training {

namespace {

using Colour = std::array<uint8_t, 3>;
constexpr Colour kText{30, 30, 30}, kAxis{90, 90, 90}, kGrid{228, 228, 228};

// A 5x7 bitmap font with what the axes need: digits, '.', '-', '+', '%'
// and the letters of "loss", "accuracy", "epoch", "train" and "val". Each
// row is 5 bits, the leftmost pixel in bit 4. Other characters are blank.
struct Glyph {
  char c;
  std::array<uint8_t, 7> rows;
};
constexpr Glyph kFont[] = {
    {'0', {0x0E, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0E}},
    {'1', {0x04, 0x0C, 0x04, 0x04, 0x04, 0x04, 0x0E}},
    {'2', {0x0E, 0x11, 0x01, 0x02, 0x04, 0x08, 0x1F}},
    {'3', {0x1F, 0x02, 0x04, 0x02, 0x01, 0x11, 0x0E}},
    {'4', {0x02, 0x06, 0x0A, 0x12, 0x1F, 0x02, 0x02}},
    {'5', {0x1F, 0x10, 0x1E, 0x01, 0x01, 0x11, 0x0E}},
    {'6', {0x06, 0x08, 0x10, 0x1E, 0x11, 0x11, 0x0E}},
    {'7', {0x1F, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08}},
    {'8', {0x0E, 0x11, 0x11, 0x0E, 0x11, 0x11, 0x0E}},
    {'9', {0x0E, 0x11, 0x11, 0x0F, 0x01, 0x02, 0x0C}},
    {'.', {0x00, 0x00, 0x00, 0x00, 0x00, 0x0C, 0x0C}},
    {'-', {0x00, 0x00, 0x00, 0x1F, 0x00, 0x00, 0x00}},
    {'+', {0x00, 0x04, 0x04, 0x1F, 0x04, 0x04, 0x00}},
    {'%', {0x18, 0x19, 0x02, 0x04, 0x08, 0x13, 0x03}},
    {'a', {0x00, 0x00, 0x0E, 0x01, 0x0F, 0x11, 0x0F}},
    {'c', {0x00, 0x00, 0x0E, 0x10, 0x10, 0x11, 0x0E}},
    {'e', {0x00, 0x00, 0x0E, 0x11, 0x1F, 0x10, 0x0E}},
    {'h', {0x10, 0x10, 0x16, 0x19, 0x11, 0x11, 0x11}},
    {'i', {0x04, 0x00, 0x0C, 0x04, 0x04, 0x04, 0x0E}},
    {'l', {0x0C, 0x04, 0x04, 0x04, 0x04, 0x04, 0x0E}},
    {'n', {0x00, 0x00, 0x16, 0x19, 0x11, 0x11, 0x11}},
    {'o', {0x00, 0x00, 0x0E, 0x11, 0x11, 0x11, 0x0E}},
    {'p', {0x00, 0x00, 0x1E, 0x11, 0x1E, 0x10, 0x10}},
    {'r', {0x00, 0x00, 0x16, 0x19, 0x10, 0x10, 0x10}},
    {'s', {0x00, 0x00, 0x0E, 0x10, 0x0E, 0x01, 0x1E}},
    {'t', {0x08, 0x08, 0x1C, 0x08, 0x08, 0x09, 0x06}},
    {'u', {0x00, 0x00, 0x11, 0x11, 0x11, 0x13, 0x0D}},
    {'v', {0x00, 0x00, 0x11, 0x11, 0x11, 0x0A, 0x04}},
    {'y', {0x00, 0x00, 0x11, 0x11, 0x0F, 0x01, 0x0E}},
};
constexpr int kGlyphWidth = 5, kGlyphHeight = 7, kTextScale = 2;
constexpr int kAdvance = (kGlyphWidth + 1) * kTextScale, kTextHeight = kGlyphHeight * kTextScale;

const Glyph* glyph(char c) {
  for (const Glyph& g : kFont)
    if (g.c == c) return &g;
  return nullptr;
}

int text_width(const std::string& s) {
  return s.empty() ? 0 : static_cast<int>(s.size()) * kAdvance - kTextScale;
}

class Canvas {
 public:
  Canvas(int width, int height) : width_(width), height_(height) {
    pixels_.resize(static_cast<size_t>(width) * static_cast<size_t>(height) * 3);
    for (size_t i = 0; i < pixels_.size(); ++i) pixels_[i] = kPlotBackground[i % 3];
  }
  void set(int x, int y, const Colour& c) {
    if (x < 0 || y < 0 || x >= width_ || y >= height_) return;
    const size_t at = (static_cast<size_t>(y) * static_cast<size_t>(width_) + x) * 3;
    std::copy(c.begin(), c.end(), pixels_.begin() + static_cast<std::ptrdiff_t>(at));
  }
  void fill(int x0, int y0, int x1, int y1, const Colour& c) {  // inclusive
    for (int y = y0; y <= y1; ++y)
      for (int x = x0; x <= x1; ++x) set(x, y, c);
  }
  // A line `thickness` pixels wide.
  void line(double x0, double y0, double x1, double y1, int thickness, const Colour& c) {
    const int steps = static_cast<int>(std::ceil(std::max(std::abs(x1 - x0), std::abs(y1 - y0))));
    const int lo = -(thickness - 1) / 2, hi = thickness / 2;
    for (int i = 0; i <= steps; ++i) {
      const double t = steps ? static_cast<double>(i) / steps : 0.0;
      const int x = static_cast<int>(std::lround(x0 + t * (x1 - x0)));
      const int y = static_cast<int>(std::lround(y0 + t * (y1 - y0)));
      fill(x + lo, y + lo, x + hi, y + hi, c);
    }
  }
  void text(int x, int y, const std::string& s, const Colour& c) {
    for (char ch : s) {
      if (const Glyph* g = glyph(ch))
        for (int row = 0; row < kGlyphHeight; ++row)
          for (int col = 0; col < kGlyphWidth; ++col)
            if (g->rows[static_cast<size_t>(row)] & (1 << (kGlyphWidth - 1 - col)))
              fill(x + col * kTextScale, y + row * kTextScale, x + (col + 1) * kTextScale - 1,
                   y + (row + 1) * kTextScale - 1, c);
      x += kAdvance;
    }
  }
  ir::Tensor to_tensor() const {
    const int64_t plane = static_cast<int64_t>(width_) * height_;
    ir::Tensor t(ir::Shape{3, height_, width_});
    for (int64_t i = 0; i < plane; ++i)
      for (int64_t c = 0; c < 3; ++c)
        t[c * plane + i] = static_cast<float>(pixels_[static_cast<size_t>(i * 3 + c)]) / 255.0f;
    return t;
  }

 private:
  int width_, height_;
  std::vector<uint8_t> pixels_;  // RGB, interleaved
};

// 1, 2 or 5 times a power of ten, about range / target.
double nice_step(double range, int target) {
  const double raw = range / target;
  if (!(raw > 0) || !std::isfinite(raw)) return 1.0;
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  const double f = raw / magnitude;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * magnitude;
}

struct Axis {
  double lo = 0, hi = 1, step = 1;
  std::vector<double> ticks() const {
    std::vector<double> out;
    for (double k = std::ceil(lo / step - 1e-9); k * step <= hi + step * 1e-9; k += 1)
      out.push_back(std::abs(k * step) < step * 1e-9 ? 0.0 : k * step);
    return out;
  }
  std::string label(double v) const {
    const int decimals = std::max(0, static_cast<int>(std::ceil(-std::log10(step) - 1e-9)));
    return fmt::format("{:.{}f}", v, decimals);
  }
};

// Ticks around [lo, hi] (data bounds; lo > hi when there are none).
Axis value_axis(double lo, double hi, bool fraction) {
  if (lo > hi) lo = 0, hi = 1;
  if (lo == hi) {
    const double d = std::max(std::abs(lo) * 0.1, 1e-3);
    lo -= d, hi += d;
  }
  Axis a;
  a.step = nice_step(hi - lo, 5);
  a.lo = std::floor(lo / a.step + 1e-9) * a.step;
  a.hi = std::ceil(hi / a.step - 1e-9) * a.step;
  if (fraction && lo >= 0 && hi <= 1) a.lo = std::max(a.lo, 0.0), a.hi = std::min(a.hi, 1.0);
  if (!(a.hi > a.lo)) a.hi = a.lo + a.step;
  return a;
}

Axis epoch_axis(double lo, double hi) {
  if (lo > hi) lo = 0, hi = 1;
  if (lo == hi) lo = std::max(0.0, lo - 1), hi += 1;
  Axis a{lo, hi, std::max(1.0, nice_step(hi - lo, 8))};
  return a;
}

struct Series {
  std::string name;
  Colour colour;
  std::vector<std::pair<double, double>> points;  // (epoch, value); non-finite: a gap
  bool present = false;                           // any value at all
};

void draw_panel(Canvas& canvas, int x0, int panel_width, int height, const std::string& title,
                const std::vector<Series>& series, bool fraction) {
  double xlo = std::numeric_limits<double>::infinity(), xhi = -xlo, ylo = xlo, yhi = -xlo;
  for (const Series& s : series)
    for (auto [x, y] : s.points) {
      xlo = std::min(xlo, x), xhi = std::max(xhi, x);
      if (std::isfinite(y)) ylo = std::min(ylo, y), yhi = std::max(yhi, y);
    }
  const Axis xa = epoch_axis(xlo, xhi), ya = value_axis(ylo, yhi, fraction);
  const std::vector<double> xticks = xa.ticks(), yticks = ya.ticks();

  int label_width = 0;
  for (double t : yticks) label_width = std::max(label_width, text_width(ya.label(t)));
  const int left = x0 + label_width + 18, right = x0 + panel_width - 18;
  const int top = 44, bottom = height - 52;
  const int inset = 8;
  auto px = [&](double x) {
    return left + inset + (x - xa.lo) / (xa.hi - xa.lo) * (right - left - 2 * inset);
  };
  auto py = [&](double y) {
    return bottom - inset - (y - ya.lo) / (ya.hi - ya.lo) * (bottom - top - 2 * inset);
  };

  for (double t : yticks) {
    const int y = static_cast<int>(std::lround(py(t)));
    canvas.fill(left + 1, y, right - 1, y, kGrid);
    canvas.fill(left - 5, y, left - 1, y, kAxis);
    const std::string s = ya.label(t);
    canvas.text(left - 8 - text_width(s), y - kTextHeight / 2, s, kText);
  }
  for (double t : xticks) {
    const int x = static_cast<int>(std::lround(px(t)));
    canvas.fill(x, top + 1, x, bottom - 1, kGrid);
    canvas.fill(x, bottom + 1, x, bottom + 5, kAxis);
    const std::string s = xa.label(t);
    canvas.text(x - text_width(s) / 2, bottom + 9, s, kText);
  }
  canvas.fill(left, top, right, top, kAxis);
  canvas.fill(left, bottom, right, bottom, kAxis);
  canvas.fill(left, top, left, bottom, kAxis);
  canvas.fill(right, top, right, bottom, kAxis);
  canvas.text((left + right - text_width("epoch")) / 2, bottom + 12 + kTextHeight, "epoch", kText);
  canvas.text(left, top - 12 - kTextHeight, title, kText);

  // The legend, right-aligned above the frame.
  int legend = 0;
  for (const Series& s : series)
    if (s.present) legend += 24 + text_width(s.name) + 16;
  int lx = right - legend + 16;
  for (const Series& s : series) {
    if (!s.present) continue;
    const int ly = top - 12 - kTextHeight / 2;
    canvas.line(lx, ly, lx + 18, ly, 2, s.colour);
    canvas.fill(lx + 7, ly - 2, lx + 11, ly + 2, s.colour);
    canvas.text(lx + 24, ly - kTextHeight / 2, s.name, kText);
    lx += 24 + text_width(s.name) + 16;
  }

  for (const Series& s : series) {
    std::optional<std::pair<double, double>> previous;
    for (auto [x, y] : s.points) {
      if (!std::isfinite(y)) {
        previous.reset();
        continue;
      }
      const double cx = px(x), cy = py(y);
      if (previous) canvas.line(previous->first, previous->second, cx, cy, 2, s.colour);
      const int mx = static_cast<int>(std::lround(cx)), my = static_cast<int>(std::lround(cy));
      canvas.fill(mx - 2, my - 2, mx + 2, my + 2, s.colour);
      previous = {cx, cy};
    }
  }
}

double parse_number(const std::string& field, const std::string& path, size_t line,
                    const std::string& column) {
  const char* begin = field.c_str();
  char* end = nullptr;
  const double v = std::strtod(begin, &end);
  if (field.empty() || end != begin + field.size())
    throw IoError(
        fmt::format("{}:{}: column '{}' holds '{}', not a number", path, line, column, field));
  return v;
}

}  // namespace

ir::Tensor render_training_curves(const std::vector<EpochMetrics>& epochs, int width, int height) {
  if (width < 320 || height < 200)
    throw std::invalid_argument(fmt::format(
        "a training plot of {}x{} pixels is too small (at least 320x200)", width, height));
  Series train_loss{.name = "train", .colour = kTrainColour};
  Series val_loss{.name = "val", .colour = kValidationColour};
  Series train_acc = train_loss, val_acc = val_loss;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  for (const EpochMetrics& m : epochs) {
    const auto x = static_cast<double>(m.epoch);
    train_loss.points.emplace_back(x, m.train_loss);
    train_acc.points.emplace_back(x, m.train_acc);
    val_loss.points.emplace_back(x, m.val_loss.value_or(nan));
    val_acc.points.emplace_back(x, m.val_acc.value_or(nan));
    train_loss.present = train_acc.present = true;
    val_loss.present = val_loss.present || m.val_loss.has_value();
    val_acc.present = val_acc.present || m.val_acc.has_value();
  }
  Canvas canvas(width, height);
  const int half = width / 2;
  draw_panel(canvas, 0, half, height, "loss", {train_loss, val_loss}, false);
  draw_panel(canvas, half, width - half, height, "accuracy", {train_acc, val_acc}, true);
  return canvas.to_tensor();
}

void plot_training_curves(const std::vector<EpochMetrics>& epochs, const std::string& png_path) {
  write_png(png_path, render_training_curves(epochs), PixelScale::Clamp);
}

std::vector<EpochMetrics> read_metrics_csv(const std::string& path) {
  const std::vector<char> bytes = read_file_bytes(path);
  std::istringstream in(std::string(bytes.begin(), bytes.end()));
  auto split = [](const std::string& line) {
    std::vector<std::string> fields;
    std::stringstream s(line);
    for (std::string f; std::getline(s, f, ',');) fields.push_back(f);
    if (!line.empty() && line.back() == ',') fields.emplace_back();
    return fields;
  };
  std::string line;
  if (!std::getline(in, line))
    throw IoError(fmt::format("{}: empty; expected a metrics.csv header line", path));
  if (!line.empty() && line.back() == '\r') line.pop_back();
  std::map<std::string, size_t> column;
  const std::vector<std::string> header = split(line);
  for (size_t i = 0; i < header.size(); ++i) column.emplace(header[i], i);
  for (const char* required : {"epoch", "train_loss", "train_acc"})
    if (!column.count(required))
      throw IoError(fmt::format("{}:1: no '{}' column in the header '{}'", path, required, line));

  std::vector<EpochMetrics> rows;
  for (size_t number = 2; std::getline(in, line); ++number) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    const std::vector<std::string> fields = split(line);
    if (fields.size() != header.size())
      throw IoError(fmt::format("{}:{}: {} fields, but the header has {}", path, number,
                                fields.size(), header.size()));
    auto get = [&](const std::string& name) -> std::optional<double> {
      auto it = column.find(name);
      if (it == column.end() || fields[it->second].empty()) return std::nullopt;
      return parse_number(fields[it->second], path, number, name);
    };
    auto required = [&](const std::string& name) {
      std::optional<double> v = get(name);
      if (!v) throw IoError(fmt::format("{}:{}: column '{}' is empty", path, number, name));
      return *v;
    };
    EpochMetrics m;
    m.epoch = static_cast<int64_t>(required("epoch"));
    m.train_loss = required("train_loss");
    m.train_acc = required("train_acc");
    m.val_loss = get("val_loss");
    m.val_acc = get("val_acc");
    m.seconds = get("epoch_seconds").value_or(0);
    m.images_per_s = get("images_per_s").value_or(0);
    rows.push_back(m);
  }
  return rows;
}

}  // namespace cnnc::training
