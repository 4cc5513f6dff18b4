#include "segmentation.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace huge2 {

namespace {

struct NamedColour {
  const char* name;
  uint8_t r, g, b;
};

// The 19 Cityscapes training classes and their customary colours.
const NamedColour kCityscapes[19] = {
    {"road", 128, 64, 128},      {"sidewalk", 244, 35, 232},  {"building", 70, 70, 70},
    {"wall", 102, 102, 156},     {"fence", 190, 153, 153},    {"pole", 153, 153, 153},
    {"traffic light", 250, 170, 30}, {"traffic sign", 220, 220, 0}, {"vegetation", 107, 142, 35},
    {"terrain", 152, 251, 152},  {"sky", 70, 130, 180},       {"person", 220, 20, 60},
    {"rider", 255, 0, 0},        {"car", 0, 0, 142},          {"truck", 0, 0, 70},
    {"bus", 0, 60, 100},         {"train", 0, 80, 100},       {"motorcycle", 0, 0, 230},
    {"bicycle", 119, 11, 32},
};

uint8_t to_byte(double v) { return uint8_t(std::lround(std::fmin(1.0, std::fmax(0.0, v)) * 255.0)); }

}  // namespace

ClassMap argmax_classes(const float* chw, int c, int h, int w) {
  if (!chw || c < 1 || h < 1 || w < 1) throw std::invalid_argument("argmax_classes: empty tensor");
  ClassMap m;
  m.w = w;
  m.h = h;
  const size_t plane = size_t(w) * h;
  m.cls.assign(plane, 0);
  if (c == 1) {
    for (size_t i = 0; i < plane; ++i) m.cls[i] = chw[i] > 0.5f ? 1 : 0;
    return m;
  }
  for (size_t i = 0; i < plane; ++i) {
    int best = 0;
    float best_v = chw[i];
    for (int k = 1; k < c; ++k) {
      const float v = chw[size_t(k) * plane + i];
      if (v > best_v || (std::isnan(best_v) && !std::isnan(v))) best = k, best_v = v;
    }
    m.cls[i] = best;
  }
  return m;
}

ClassMap resize_nearest(const ClassMap& m, int w, int h) {
  if (w < 1 || h < 1 || m.w < 1 || m.h < 1) throw std::invalid_argument("resize_nearest: empty size");
  ClassMap out;
  out.w = w;
  out.h = h;
  out.cls.resize(size_t(w) * h);
  for (int y = 0; y < h; ++y) {
    // The source pixel whose area holds this pixel's centre.
    const int sy = std::min(m.h - 1, int((y + 0.5) * m.h / h));
    for (int x = 0; x < w; ++x) {
      const int sx = std::min(m.w - 1, int((x + 0.5) * m.w / w));
      out.cls[size_t(y) * w + x] = m.at(sy, sx);
    }
  }
  return out;
}

std::array<uint8_t, 3> class_colour(int k) {
  if (k < 0) return {0, 0, 0};
  if (k < 19) return {kCityscapes[k].r, kCityscapes[k].g, kCityscapes[k].b};
  // Hue stepped by the golden ratio of a turn; saturation and value cycle so
  // that neighbouring classes differ in more than hue.
  const int j = k - 19;
  const double hue = std::fmod(0.1 + j * 0.6180339887498949, 1.0) * 6.0;
  const double s = (j % 2) ? 0.55 : 0.9, v = (j / 2 % 2) ? 0.7 : 0.95;
  const int sector = int(hue) % 6;
  const double f = hue - std::floor(hue);
  const double p = v * (1 - s), q = v * (1 - s * f), t = v * (1 - s * (1 - f));
  double r = v, g = t, b = p;
  switch (sector) {
    case 0: r = v, g = t, b = p; break;
    case 1: r = q, g = v, b = p; break;
    case 2: r = p, g = v, b = t; break;
    case 3: r = p, g = q, b = v; break;
    case 4: r = t, g = p, b = v; break;
    default: r = v, g = p, b = q; break;
  }
  return {to_byte(r), to_byte(g), to_byte(b)};
}

const char* cityscapes_name(int k) { return k >= 0 && k < 19 ? kCityscapes[k].name : nullptr; }

Image colourise(const ClassMap& m) {
  Image out(m.w, m.h, 3);
  const size_t plane = size_t(m.w) * m.h;
  for (size_t i = 0; i < plane; ++i) {
    const auto col = class_colour(m.cls[i]);
    for (int k = 0; k < 3; ++k) out.data[k * plane + i] = float(col[k]) / 255.f;
  }
  return out;
}

Image overlay(const Image& image, const ClassMap& m, float alpha) {
  if (image.w != m.w || image.h != m.h)
    throw std::invalid_argument("overlay: image is " + std::to_string(image.w) + " x " + std::to_string(image.h) +
                                " but the class map is " + std::to_string(m.w) + " x " + std::to_string(m.h));
  if (image.c != 1 && image.c != 3) throw std::invalid_argument("overlay: image must have 1 or 3 channels");
  Image out(m.w, m.h, 3);
  const size_t plane = size_t(m.w) * m.h;
  for (size_t i = 0; i < plane; ++i) {
    const auto col = class_colour(m.cls[i]);
    for (int k = 0; k < 3; ++k) {
      const float base = image.data[(image.c == 3 ? k : 0) * plane + i];
      out.data[k * plane + i] = (1.f - alpha) * base + alpha * (float(col[k]) / 255.f);
    }
  }
  return out;
}

std::vector<double> class_histogram(const ClassMap& m, int classes) {
  std::vector<double> h(size_t(std::max(classes, 0)), 0.0);
  if (m.cls.empty()) return h;
  for (int c : m.cls)
    if (c >= 0 && c < classes) h[size_t(c)] += 1.0;
  for (double& v : h) v /= double(m.cls.size());
  return h;
}

}  // namespace huge2
