// Section name -> layer factory, with Darknet's spellings (string_to_layer_type).
#include <string_view>

#include "layer.h"

namespace huge2 {

std::unique_ptr<Layer> make_convolutional_maybe_shared(const cfg::Section&, const BuildContext&);
std::unique_ptr<Layer> make_deconvolutional(const cfg::Section&, const BuildContext&);
std::unique_ptr<Layer> make_connected(const cfg::Section&, const BuildContext&);
std::unique_ptr<Layer> make_maxpool(const cfg::Section&, const BuildContext&);
std::unique_ptr<Layer> make_avgpool(const cfg::Section&, const BuildContext&);
std::unique_ptr<Layer> make_upsample(const cfg::Section&, const BuildContext&);
std::unique_ptr<Layer> make_route(const cfg::Section&, const BuildContext&);
std::unique_ptr<Layer> make_shortcut(const cfg::Section&, const BuildContext&);
std::unique_ptr<Layer> make_batchnorm(const cfg::Section&, const BuildContext&);
std::unique_ptr<Layer> make_dropout(const cfg::Section&, const BuildContext&);
std::unique_ptr<Layer> make_logistic(const cfg::Section&, const BuildContext&);
std::unique_ptr<Layer> make_softmax(const cfg::Section&, const BuildContext&);
std::unique_ptr<Layer> make_activation(const cfg::Section&, const BuildContext&);
std::unique_ptr<Layer> make_yolo(const cfg::Section&, const BuildContext&);
std::unique_ptr<Layer> make_region(const cfg::Section&, const BuildContext&);
std::unique_ptr<Layer> make_detection(const cfg::Section&, const BuildContext&);
std::unique_ptr<Layer> make_cost(const cfg::Section&, const BuildContext&);
std::unique_ptr<Layer> make_crop(const cfg::Section&, const BuildContext&);
std::unique_ptr<Layer> make_reorg(const cfg::Section&, const BuildContext&);
std::unique_ptr<Layer> make_normalization(const cfg::Section&, const BuildContext&);
std::unique_ptr<Layer> make_l2norm(const cfg::Section&, const BuildContext&);
std::unique_ptr<Layer> make_local(const cfg::Section&, const BuildContext&);
std::unique_ptr<Layer> make_iseg(const cfg::Section&, const BuildContext&);
std::unique_ptr<Layer> make_rnn(const cfg::Section&, const BuildContext&);
std::unique_ptr<Layer> make_lstm(const cfg::Section&, const BuildContext&);
std::unique_ptr<Layer> make_gru(const cfg::Section&, const BuildContext&);
std::unique_ptr<Layer> make_crnn(const cfg::Section&, const BuildContext&);

namespace {

struct Entry {
  std::string_view name;
  LayerFactory make;
};

constexpr Entry kLayers[] = {
    {"convolutional", make_convolutional_maybe_shared}, {"conv", make_convolutional_maybe_shared},
    {"deconvolutional", make_deconvolutional}, {"deconv", make_deconvolutional},
    {"connected", make_connected},             {"conn", make_connected},
    {"maxpool", make_maxpool},                 {"max", make_maxpool},
    {"avgpool", make_avgpool},                 {"avg", make_avgpool},
    {"upsample", make_upsample},               {"route", make_route},
    {"shortcut", make_shortcut},               {"batchnorm", make_batchnorm},
    {"dropout", make_dropout},                 {"logistic", make_logistic},
    {"softmax", make_softmax},                 {"soft", make_softmax},
    {"activation", make_activation},           {"yolo", make_yolo},
    {"region", make_region},                   {"detection", make_detection},
    {"cost", make_cost},                       {"crop", make_crop},
    {"reorg", make_reorg},                     {"normalization", make_normalization},
    {"lrn", make_normalization},               {"l2norm", make_l2norm},
    {"local", make_local},                     {"iseg", make_iseg},
    {"rnn", make_rnn},                         {"lstm", make_lstm},
    {"gru", make_gru},                         {"crnn", make_crnn},
};

}  // namespace

LayerFactory find_layer_factory(const std::string& section_type) {
  for (const Entry& e : kLayers)
    if (e.name == section_type) return e.make;
  return nullptr;
}

std::vector<std::string> layer_type_names() {
  std::vector<std::string> v;
  for (const Entry& e : kLayers) v.emplace_back(e.name);
  return v;
}

}  // namespace huge2
