// What `huge2 detect` does around the network, the way Darknet's `detector
// test` does it: letterbox the image into the network's input, gather the
// boxes of every [yolo]/[region] layer (get_network_boxes), and draw them.
#pragma once
#include <array>
#include <string>
#include <vector>

#include "detection_boxes.h"
#include "image_io.h"
#include "network.h"

namespace huge2 {

// Darknet's letterbox_image: resize_image to fit w x h keeping the aspect
// ratio, centred on a w x h canvas of 0.5.
Image letterbox_darknet(const Image& im, int w, int h);

// The boxes of every box layer of `net` (after forward) for image 0, in
// layer order, as Darknet's get_network_boxes returns them (relative, or
// pixels when frame.relative is false). Throws NetworkError when the net has
// no [yolo] or [region] layer. classes: the last box layer's class count.
bool has_box_layer(const Network& net);
std::vector<Detection> network_boxes(const Network& net, const BoxFrame& frame, float thresh, int* classes);

// One printed or drawn detection: a class above the threshold after NMS.
struct Labelled {
  int cls = 0;
  float prob = 0;
  int left = 0, top = 0, right = 0, bottom = 0;  // pixels, clamped as Darknet's draw_detections
};
// Darknet's draw_detections order: each box, each class whose probability is
// above thresh.
std::vector<Labelled> labelled_boxes(const std::vector<Detection>& dets, float thresh, int image_w, int image_h);

// Draws each box's outline (thickness about 0.6% of the image height, as
// Darknet) in its class's colour into im (RGB or grey).
void draw_boxes(Image& im, const std::vector<Labelled>& boxes);
std::array<float, 3> box_colour(int cls, int classes);

}  // namespace huge2
