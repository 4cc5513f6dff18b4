// What the engine's [convolutional] and [deconvolutional] layers share: the
// keys both read, the algorithm choice, and the life of their weights. The
// operators (layers/operators) pack the weights and fold the epilogue, so
// every change of weights rebuilds them; where the operators can give the
// weights back, they hold the only copy and save() unpacks it.
#pragma once
#include <cstddef>

#include "conv_params.h"
#include "layer.h"

namespace huge2 {

class ConvLikeLayer : public Layer {
 public:
  // Built as plans only (workspace, method); the weights come after the
  // network's memory check.
  void allocate() override;
  void load(WeightReader& r) override;
  void save(WeightWriter& w) const override;
  void randomize(unsigned seed) override;
  size_t parameter_count() const override { return params_.count(); }

 protected:
  // filters, size, stride, pad/padding (Darknet's keys and defaults).
  struct Geometry {
    int filters = 1, size = 1, stride = 1, pad = 0;
  };
  static Geometry read_geometry(const cfg::Section& s, const BuildContext& ctx);

  // Gives params_.weights and the epilogue to the operators, which were
  // planned once when the layer was built: they repack, they do not re-plan.
  virtual void set_operator_weights() = 0;
  // True when the operators can give back every weight (unpack_weights).
  virtual bool operators_hold_whole_kernel() const = 0;
  // Writes the weights, in Darknet's order, into `w` (weight_count floats).
  virtual void unpack_weights(float* w) const = 0;
  // Inputs that feed one output, for the He scale of randomize().
  virtual int fan_in() const = 0;

  Algorithm algo_ = Algorithm::darknet;
  ConvParams params_;

 private:
  void rebuild();
};

}  // namespace huge2
