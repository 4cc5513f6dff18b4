// Boxes out of Darknet's detection layers ([yolo], [region]) the way
// Darknet's get_network_boxes and do_nms_sort produce them, for `huge2 detect`.
#pragma once
#include <vector>

#include "layer.h"

namespace huge2 {

// Centre x, y and width, height; relative to the image (0..1) unless a
// BoxFrame says otherwise.
struct Box {
  float x = 0, y = 0, w = 0, h = 0;
};

struct Detection {
  Box box;
  float objectness = 0;
  std::vector<float> prob;  // per class: objectness * class score, 0 when not above the threshold
};

// The network's input size and the image's: boxes are mapped back through
// the letterbox (Darknet's correct_yolo_boxes); relative=false gives pixels.
struct BoxFrame {
  int net_w = 0, net_h = 0, image_w = 0, image_h = 0;
  bool relative = true;
};

// Implemented by the layers whose output holds boxes.
class BoxSource {
 public:
  virtual ~BoxSource() = default;
  // Appends this layer's boxes for image 0 of `output` (the layer's output).
  virtual void boxes(const float* output, const BoxFrame& frame, float thresh, std::vector<Detection>& dets) const = 0;
  virtual int classes() const = 0;
};

// The cfg's anchors= list (atof per comma-separated element, as Darknet):
// 2*total values; fewer keep Darknet's default 0.5, more are an error.
std::vector<float> read_anchors(const cfg::Section& s, const BuildContext& ctx, int total);

// One grid cell's box for one anchor, as both [region] and [yolo] decode it.
// `e` is the cell's tx, with ty, tw, th and the class scores `plane` floats
// apart (the scores from index first_class): x, y = (col/row + t) / grid;
// w, h = exp(t) * anchor / anchor_scale (the grid for [region], the network
// input for [yolo]); class probabilities objectness * score, 0 unless above
// thresh.
struct CellAnchor {
  int row, col;              // the cell
  int grid_w, grid_h;        // the layer's output width and height
  float anchor_w, anchor_h;
  float scale_w, scale_h;    // what the anchor is relative to
};
Detection cell_detection(const float* e, size_t plane, const CellAnchor& c, float objectness, int first_class,
                         int classes, float thresh);

// Darknet's correct_yolo_boxes / correct_region_boxes (the same arithmetic).
void undo_letterbox(std::vector<Detection>& dets, const BoxFrame& frame);

// Intersection over union of two centre-size boxes.
float box_iou(const Box& a, const Box& b);

// Darknet's do_nms_sort: boxes with objectness 0 are dropped; then for each
// class, boxes sorted by that class's probability suppress (set to 0) the
// later ones overlapping them by more than iou_thresh.
void nms_sort(std::vector<Detection>& dets, int classes, float iou_thresh);

}  // namespace huge2
