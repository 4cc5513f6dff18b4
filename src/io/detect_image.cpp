#include "detect_image.h"

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace huge2 {

Image letterbox_darknet(const Image& im, int w, int h) {
  int new_w = im.w, new_h = im.h;
  if (float(w) / im.w < float(h) / im.h) {
    new_w = w, new_h = int(int64_t(im.h) * w / im.w);
  } else {
    new_h = h, new_w = int(int64_t(im.w) * h / im.h);
  }
  Image boxed(w, h, im.c);
  std::fill(boxed.data.begin(), boxed.data.end(), 0.5f);
  // A very wide or tall image (1920 x 12 into 416 x 416) scales to 0 rows or
  // columns: Darknet's letterbox_image then pastes nothing and the network
  // sees plain grey. Do the same rather than refuse a valid image.
  if (new_w < 1 || new_h < 1) return boxed;
  const Image resized = resize_darknet(im, new_w, new_h);
  const int dx = (w - new_w) / 2, dy = (h - new_h) / 2;
  for (int k = 0; k < im.c; ++k)
    for (int y = 0; y < new_h; ++y)
      for (int x = 0; x < new_w; ++x) boxed.at(k, y + dy, x + dx) = resized.at(k, y, x);
  return boxed;
}

bool has_box_layer(const Network& net) {
  for (int i = 0; i < net.size(); ++i)
    if (dynamic_cast<const BoxSource*>(&net.layer(i))) return true;
  return false;
}

std::vector<Detection> network_boxes(const Network& net, const BoxFrame& frame, float thresh, int* classes) {
  std::vector<Detection> dets;
  int found = 0;
  for (int i = 0; i < net.size(); ++i)
    if (const auto* src = dynamic_cast<const BoxSource*>(&net.layer(i))) {
      src->boxes(net.output_of(i), frame, thresh, dets);
      if (classes) *classes = src->classes();
      ++found;
    }
  if (!found) throw NetworkError("the network has no [yolo] or [region] layer: no boxes to detect");
  return dets;
}

namespace {

// A box edge in pixels, clamped to [0, size - 1] before the conversion: a box
// of a letterbox with 0 rows (a 1920 x 12 image) is infinite, and converting
// inf or NaN to int is undefined (it printed -2147483648).
int pixel(double v, int size) {
  if (!(v > 0)) return 0;
  return v < size - 1 ? int(v) : size - 1;
}

}  // namespace

std::vector<Labelled> labelled_boxes(const std::vector<Detection>& dets, float thresh, int image_w, int image_h) {
  std::vector<Labelled> out;
  for (const Detection& d : dets)
    for (size_t k = 0; k < d.prob.size(); ++k) {
      if (!(d.prob[k] > thresh)) continue;
      Labelled l;
      l.cls = int(k), l.prob = d.prob[k];
      const double x = d.box.x, y = d.box.y, w = d.box.w, h = d.box.h;  // in double, as Darknet's "/2."
      l.left = pixel((x - w / 2.) * image_w, image_w), l.right = pixel((x + w / 2.) * image_w, image_w);
      l.top = pixel((y - h / 2.) * image_h, image_h), l.bottom = pixel((y + h / 2.) * image_h, image_h);
      out.push_back(l);
    }
  return out;
}

std::array<float, 3> box_colour(int cls, int classes) {
  // A hue wheel spread over the classes, fully saturated.
  const float h = 6.f * float((cls * 7) % std::max(classes, 1)) / float(std::max(classes, 1));
  const float x = 1.f - std::fabs(std::fmod(h, 2.f) - 1.f);
  switch (int(h)) {
    case 0: return {1, x, 0};
    case 1: return {x, 1, 0};
    case 2: return {0, 1, x};
    case 3: return {0, x, 1};
    case 4: return {x, 0, 1};
    default: return {1, 0, x};
  }
}

void draw_boxes(Image& im, const std::vector<Labelled>& boxes) {
  int classes = 1;
  for (const Labelled& b : boxes) classes = std::max(classes, b.cls + 1);
  const int width = std::max(1, int(im.h * .006f));
  for (const Labelled& b : boxes) {
    const auto col = box_colour(b.cls, classes);
    auto put = [&](int x, int y) {
      if (x < 0 || y < 0 || x >= im.w || y >= im.h) return;
      for (int k = 0; k < im.c; ++k) im.at(k, y, x) = im.c == 3 ? col[size_t(k)] : 1.f;
    };
    for (int t = 0; t < width; ++t) {
      for (int x = b.left - t; x <= b.right + t; ++x) put(x, b.top - t), put(x, b.bottom + t);
      for (int y = b.top - t; y <= b.bottom + t; ++y) put(b.left - t, y), put(b.right + t, y);
    }
  }
}

}  // namespace huge2
