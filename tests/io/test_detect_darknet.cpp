// `huge2 detect`'s pipeline against the real stock Darknet library on a
// YOLOv3-tiny with a [deconv] neck (cfg/yolov3-tiny-deconv.cfg), seeded
// weights and a bundled image: Darknet's letterbox_image input, and the boxes
// of get_network_boxes + do_nms_sort, class by class.
#include <catch2/catch.hpp>

#include <algorithm>
#include <tuple>

#include <fstream>

#include "darknet_network.h"
#include "detect_image.h"
#include "helpers.h"
#include "temp_file.h"

using namespace huge2;
using huge2::test::compare;

namespace {

struct Found {
  int cls;
  float prob, x, y, w, h;
  bool operator<(const Found& o) const { return std::tie(cls, x, y) < std::tie(o.cls, o.x, o.y); }
};

template <class D, class Box>
void add_found(std::vector<Found>& out, const D& d, const Box& box, float thresh) {
  for (size_t k = 0; k < d.prob.size(); ++k)
    if (d.prob[k] > thresh) out.push_back({int(k), d.prob[k], box.x, box.y, box.w, box.h});
}

// huge2's boxes against libdarknet's, both above thresh: the same count, then
// box by box in (class, x, y) order. Returns the count.
size_t check_same_boxes(const std::vector<Detection>& dets, const std::vector<peers::StockDetection>& stock_dets,
                      float thresh) {
  std::vector<Found> got, want;
  for (const Detection& d : dets) add_found(got, d, d.box, thresh);
  for (const peers::StockDetection& d : stock_dets) add_found(want, d, d, thresh);
  std::sort(got.begin(), got.end()), std::sort(want.begin(), want.end());
  REQUIRE(got.size() == want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    INFO("box " << i);
    CHECK(got[i].cls == want[i].cls);
    CHECK(got[i].prob == Approx(want[i].prob).epsilon(1e-4));
    CHECK(got[i].x == Approx(want[i].x).margin(1e-5));
    CHECK(got[i].y == Approx(want[i].y).margin(1e-5));
    CHECK(got[i].w == Approx(want[i].w).epsilon(1e-4));
    CHECK(got[i].h == Approx(want[i].h).epsilon(1e-4));
  }
  return got.size();
}

}  // namespace

TEST_CASE("detect: letterbox, boxes and NMS equal libdarknet's on a YOLO-with-deconv cfg", "[darknet][detect]") {
  const std::string cfg = HUGE2_SOURCE_DIR "/cfg/yolov3-tiny-deconv.cfg";
  const std::string image_path = HUGE2_SOURCE_DIR "/data/street-day.png";
  const test::TempFile weights_file("detect.weights");
  const std::string& weights = weights_file.path;
  NetworkOptions one;
  one.batch = 1;
  Network net = Network::from_cfg_file(cfg, one);
  net.randomize(5);
  net.save_weights(weights);
  peers::StockDarknetNetwork stock(cfg, weights, 1);

  // The input: Darknet's letterbox of the image (480 x 320 into 128 x 128).
  const Image im = load_image(image_path, 3);
  const Image x = letterbox_darknet(im, 128, 128);
  int stock_w = 0, stock_h = 0;
  const std::vector<float> stock_x = peers::stock_letterbox(image_path, 128, 128, &stock_w, &stock_h);
  REQUIRE(stock_w == im.w);
  REQUIRE(stock_h == im.h);
  CHECK(compare(x.data, stock_x, 1e-5) == "");

  net.forward(x.data.data());
  stock.predict(x.data.data());
  for (const float thresh : {0.5f, 0.7f}) {
    size_t without_nms = 0;
    for (const float nms : {0.f, 0.45f}) {
      INFO("thresh " << thresh << ", nms " << nms);
      int classes = 0;
      std::vector<Detection> dets = network_boxes(net, {128, 128, im.w, im.h, true}, thresh, &classes);
      CHECK(classes == 4);
      if (nms > 0) nms_sort(dets, classes, nms);
      const size_t found = check_same_boxes(dets, stock.boxes(im.w, im.h, thresh, nms), thresh);
      CHECK(found > 0);  // the random weights do find boxes
      if (nms == 0) without_nms = found;
      else if (thresh == 0.5f) CHECK(found < without_nms);  // NMS removes some of the many
    }
  }
}

TEST_CASE("detect: [region] boxes (YOLOv2 style, softmax classes) equal libdarknet's", "[darknet][detect]") {
  const test::TempFile cfg_file("region.cfg"), weights_file("region.cfg.weights");
  const std::string &cfg = cfg_file.path, &weights = weights_file.path;
  std::ofstream(cfg) << "[net]\nwidth=64\nheight=48\nchannels=3\n"
                        "[convolutional]\nfilters=8\nsize=3\nstride=2\npad=1\nactivation=leaky\n"
                        "[maxpool]\nsize=2\nstride=2\n"
                        "[convolutional]\nfilters=24\nsize=1\nactivation=linear\n"
                        "[region]\nanchors=1.3,1.7, 3.2,4.1, 6.0,2.5\nclasses=3\nnum=3\nsoftmax=1\n";
  Network net = Network::from_cfg_file(cfg);
  net.randomize(8);
  net.save_weights(weights);
  peers::StockDarknetNetwork stock(cfg, weights);
  const Image im = load_image(HUGE2_SOURCE_DIR "/data/street-wide.png", 3);
  const Image x = letterbox_darknet(im, 64, 48);
  net.forward(x.data.data());
  stock.predict(x.data.data());
  const float thresh = 0.2f;
  int classes = 0;
  std::vector<Detection> dets = network_boxes(net, {64, 48, im.w, im.h, true}, thresh, &classes);
  nms_sort(dets, classes, 0.45f);
  CHECK(check_same_boxes(dets, stock.boxes(im.w, im.h, thresh, 0.45f), thresh) > 0);
}

TEST_CASE("detect: the stock and huge2 algorithms find the same boxes", "[detect]") {
  const std::string cfg = HUGE2_SOURCE_DIR "/cfg/yolov3-tiny-deconv.cfg";
  const Image im = load_image(HUGE2_SOURCE_DIR "/data/street-dusk.png", 3);
  const Image x = letterbox_darknet(im, 128, 128);
  std::vector<Found> found[2];
  for (int h = 0; h < 2; ++h) {
    NetworkOptions opt;
    opt.batch = 1;
    opt.algorithm = h ? Algorithm::huge2 : Algorithm::darknet;
    Network net = Network::from_cfg_file(cfg, opt);
    net.randomize(12);
    net.forward(x.data.data());
    int classes = 0;
    std::vector<Detection> dets = network_boxes(net, {128, 128, im.w, im.h, true}, 0.6f, &classes);
    nms_sort(dets, classes, 0.45f);
    for (const Detection& d : dets) add_found(found[h], d, d.box, 0.6f);
    std::sort(found[h].begin(), found[h].end());
  }
  REQUIRE(found[0].size() == found[1].size());
  CHECK(found[0].size() > 0);
  for (size_t i = 0; i < found[0].size(); ++i) {
    CHECK(found[0][i].cls == found[1][i].cls);
    CHECK(found[0][i].prob == Approx(found[1][i].prob).epsilon(1e-4));
    CHECK(found[0][i].x == Approx(found[1][i].x).margin(1e-5));
    CHECK(found[0][i].w == Approx(found[1][i].w).epsilon(1e-4));
  }
}
