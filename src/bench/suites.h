// The benchmark suites, written once: the layers huge2-bench and
// huge2-bench-gpu measure and scripts/arm-counts.sh counts (through
// huge2-traffic --suite). Header-only: the programs link different
// libraries (the CPU layers, the CUDA backend, the traffic driver's bare
// kernel library) and share only these shapes.
#pragma once
#include <algorithm>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/shapes.h"

namespace huge2::bench {

struct SuiteLayer {
  std::string name;
  bool transposed;
  DeconvShape deconv;  // when transposed
  ConvShape conv;      // otherwise
  double flops() const { return transposed ? deconv.flops() : conv.flops(); }
  size_t input_count() const { return transposed ? deconv.input_count() : conv.input_count(); }
  size_t output_count() const { return transposed ? deconv.output_count() : conv.output_count(); }
  size_t weight_count() const { return transposed ? deconv.weight_count() : conv.weight_count(); }
};

// In the order "all" runs them.
inline const std::vector<std::string>& suite_names() {
  static const std::vector<std::string> names = {"dcgan", "dcgan5", "seg", "yolo"};
  return names;
}

inline bool is_suite(const std::string& name) {
  const std::vector<std::string>& names = suite_names();
  return std::find(names.begin(), names.end(), name) != names.end();
}

// "dcgan, dcgan5, seg, yolo": the names, for messages.
inline std::string suite_list() {
  std::string list;
  for (const std::string& s : suite_names()) list += (list.empty() ? "" : ", ") + s;
  return list;
}

inline SuiteLayer suite_deconv(int batch, int in_c, int out_c, int h, int w, int k, int s, int p) {
  DeconvShape d;
  d.batch = batch, d.in_c = in_c, d.out_c = out_c, d.in_h = h, d.in_w = w, d.ksize = k, d.stride = s, d.pad = p;
  std::ostringstream n;
  n << "deconv" << k << "s" << s << "p" << p << " " << in_c << "->" << out_c << " " << h << "x" << w << "->"
    << d.out_h() << "x" << d.out_w();
  return {n.str(), true, d, {}};
}

// A "same" 3x3 dilated convolution, c channels in and out.
inline SuiteLayer suite_dilated(int batch, int c, int h, int w, int dilation) {
  ConvShape s;
  s.batch = batch, s.in_c = s.out_c = c, s.in_h = h, s.in_w = w, s.ksize = 3, s.stride = 1, s.pad = 1;
  s.dilation = dilation;
  std::ostringstream n;
  n << "conv3 d" << dilation << " " << c << "->" << c << " " << h << "x" << w;
  return {n.str(), false, {}, s};
}

// The layers of one suite (not "all"); std::invalid_argument names the ones there are.
inline std::vector<SuiteLayer> suite_layers(const std::string& suite, int batch) {
  std::vector<SuiteLayer> v;
  const int ladder[][3] = {{1024, 512, 4}, {512, 256, 8}, {256, 128, 16}, {128, 3, 32}};
  if (suite == "dcgan") {  // DCGAN generator: the 1x1 latent projection, then "double the size" layers
    v.push_back(suite_deconv(batch, 100, 1024, 1, 1, 4, 1, 0));
    for (auto& l : ladder) v.push_back(suite_deconv(batch, l[0], l[1], l[2], l[2], 4, 2, 1));
  } else if (suite == "dcgan5") {  // same ladder, 5x5 kernels: padding 2 gives 2*in-1, not 2*in
    for (auto& l : ladder) v.push_back(suite_deconv(batch, l[0], l[1], l[2], l[2], 5, 2, 2));
  } else if (suite == "yolo") {  // deconvolutions of real Darknet models: YOLO necks, ReID branches, an autoencoder
    v.push_back(suite_deconv(batch, 128, 128, 26, 26, 2, 2, 0));
    v.push_back(suite_deconv(batch, 256, 256, 19, 19, 2, 2, 0));
    v.push_back(suite_deconv(batch, 128, 128, 38, 38, 2, 2, 0));
    v.push_back(suite_deconv(batch, 30, 128, 48, 28, 4, 4, 0));
    v.push_back(suite_deconv(batch, 30, 128, 24, 14, 8, 8, 0));
    v.push_back(suite_deconv(batch, 16, 16, 10, 10, 3, 3, 1));
  } else if (suite == "seg") {  // segmentation context modules: "same" 3x3 dilated convolutions
    for (int d : {2, 4, 8, 12}) v.push_back(suite_dilated(batch, 512, 64, 64, d));
    for (int d : {2, 4, 8, 16}) v.push_back(suite_dilated(batch, 128, 64, 128, d));
  } else {
    throw std::invalid_argument("unknown suite '" + suite + "' (" + suite_list() + ")");
  }
  return v;
}

}  // namespace huge2::bench
