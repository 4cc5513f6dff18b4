#include "detection_boxes.h"

#include <cmath>
#include <cstdint>

#include <algorithm>
#include <cstdlib>

#include "layer_common.h"

namespace huge2 {

std::vector<float> read_anchors(const cfg::Section& s, const BuildContext& ctx, int total) {
  std::vector<float> anchors(2 * size_t(total), 0.5f);
  if (!s.has("anchors")) return anchors;
  const std::string text = s.get_string("anchors", "");
  size_t start = 0, i = 0;
  for (;; ++i) {
    const size_t comma = text.find(',', start);
    const std::string item = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (i >= anchors.size())
      fail(ctx, "anchors= has more than the 2 x num=" + std::to_string(total) + " values the layer holds");
    char* end = nullptr;
    anchors[i] = std::strtof(item.c_str(), &end);
    if (end == item.c_str())
      throw NetworkError(s.where("anchors") + ": [" + s.type + "] anchors element " + std::to_string(i + 1) + " ('" +
                         item + "') is not a number (layer " + std::to_string(ctx.index) + ")");
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return anchors;
}

Detection cell_detection(const float* e, size_t plane, const CellAnchor& c, float objectness, int first_class,
                         int classes, float thresh) {
  Detection d;
  d.box.x = (c.col + e[0]) / c.grid_w;
  d.box.y = (c.row + e[plane]) / c.grid_h;
  d.box.w = std::exp(e[2 * plane]) * c.anchor_w / c.scale_w;
  d.box.h = std::exp(e[3 * plane]) * c.anchor_h / c.scale_h;
  d.objectness = objectness;
  d.prob.resize(classes);
  for (int j = 0; j < classes; ++j) {
    const float p = objectness * e[(first_class + j) * plane];
    d.prob[j] = p > thresh ? p : 0.f;
  }
  return d;
}

void undo_letterbox(std::vector<Detection>& dets, const BoxFrame& f) {
  int new_w = 0, new_h = 0;
  if (float(f.net_w) / f.image_w < float(f.net_h) / f.image_h) {
    new_w = f.net_w, new_h = int(int64_t(f.image_h) * f.net_w / f.image_w);
  } else {
    new_h = f.net_h, new_w = int(int64_t(f.image_w) * f.net_h / f.image_h);
  }
  for (Detection& d : dets) {
    Box& b = d.box;
    b.x = float((b.x - (f.net_w - new_w) / 2. / f.net_w) / (float(new_w) / f.net_w));
    b.y = float((b.y - (f.net_h - new_h) / 2. / f.net_h) / (float(new_h) / f.net_h));
    b.w *= float(f.net_w) / new_w;
    b.h *= float(f.net_h) / new_h;
    if (!f.relative) b.x *= f.image_w, b.w *= f.image_w, b.y *= f.image_h, b.h *= f.image_h;
  }
}

namespace {

float overlap(float x1, float w1, float x2, float w2) {
  const float left = std::max(x1 - w1 / 2, x2 - w2 / 2), right = std::min(x1 + w1 / 2, x2 + w2 / 2);
  return right - left;
}

}  // namespace

float box_iou(const Box& a, const Box& b) {
  const float w = overlap(a.x, a.w, b.x, b.w), h = overlap(a.y, a.h, b.y, b.h);
  const float inter = (w < 0 || h < 0) ? 0.f : w * h;
  const float uni = a.w * a.h + b.w * b.h - inter;
  return inter / uni;
}

void nms_sort(std::vector<Detection>& dets, int classes, float iou_thresh) {
  dets.erase(std::remove_if(dets.begin(), dets.end(), [](const Detection& d) { return d.objectness == 0; }),
             dets.end());
  for (int k = 0; k < classes; ++k) {
    std::stable_sort(dets.begin(), dets.end(),
                     [k](const Detection& a, const Detection& b) { return a.prob[k] > b.prob[k]; });
    for (size_t i = 0; i < dets.size(); ++i) {
      if (dets[i].prob[k] == 0) continue;
      for (size_t j = i + 1; j < dets.size(); ++j)
        if (box_iou(dets[i].box, dets[j].box) > iou_thresh) dets[j].prob[k] = 0;
    }
  }
}

}  // namespace huge2
