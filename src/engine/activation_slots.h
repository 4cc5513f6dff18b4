// Which layers' outputs can share one buffer: a liveness plan for inference.
// A layer's output is live from its own forward pass until the last layer
// that reads it (the next layer, a [route] or [shortcut] further on) has run;
// outputs whose lives do not overlap take turns in one buffer (a slot). The
// outputs a caller reads after the pass (the last layer's, the box layers')
// stay live to the end. erfnet-like's 13 outputs (72 MiB) fit in two slots.
#pragma once
#include <cstddef>
#include <vector>

namespace huge2 {

struct ActivationSlots {
  std::vector<int> slot_of;        // per layer
  std::vector<size_t> slot_floats;  // per slot: the largest output it holds
  size_t total_floats() const;
};

// floats[i]: layer i's output size; last_reader[i]: the last layer that reads
// it (i itself when none does, any value >= floats.size() for an output read
// after the pass). Throws std::invalid_argument when last_reader[i] < i.
// Layer i's output never shares a slot with an output that is live while i
// runs (its inputs among them), but where in_place[i] (an elementwise layer
// whose forward pass may write over its input) and layer i is the last reader
// of layer i-1's output: then it takes that slot. Free slots are reused
// smallest-that-fits first, else the largest one grows; a new slot only when
// none is free. in_place may be empty (no layer runs in place).
ActivationSlots plan_activation_slots(const std::vector<size_t>& floats, const std::vector<size_t>& last_reader,
                                      const std::vector<bool>& in_place = {});

}  // namespace huge2
