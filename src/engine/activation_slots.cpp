#include "activation_slots.h"

#include <stdexcept>
#include <string>

namespace huge2 {

size_t ActivationSlots::total_floats() const {
  size_t t = 0;
  for (size_t s : slot_floats) t += s;
  return t;
}

ActivationSlots plan_activation_slots(const std::vector<size_t>& floats, const std::vector<size_t>& last_reader,
                                      const std::vector<bool>& in_place) {
  if (floats.size() != last_reader.size() || (!in_place.empty() && in_place.size() != floats.size()))
    throw std::invalid_argument("plan_activation_slots: " + std::to_string(floats.size()) + " sizes but " +
                                std::to_string(last_reader.size()) + " last readers");
  ActivationSlots p;
  p.slot_of.assign(floats.size(), -1);
  std::vector<size_t> busy_until;  // per slot: the last reader of the output it holds
  for (size_t i = 0; i < floats.size(); ++i) {
    if (last_reader[i] < i)
      throw std::invalid_argument("plan_activation_slots: layer " + std::to_string(i) + "'s output is read by layer " +
                                  std::to_string(last_reader[i]) + ", before it is made");
    // Written over its input, which no one reads after it.
    if (i > 0 && !in_place.empty() && in_place[i] && last_reader[i - 1] == i) {
      const int s = p.slot_of[i - 1];
      if (p.slot_floats[s] < floats[i]) p.slot_floats[s] = floats[i];
      busy_until[s] = last_reader[i];
      p.slot_of[i] = s;
      continue;
    }
    // A slot is free for layer i once the last reader of what it holds ran
    // before i: an output that layer i itself reads is still busy.
    int fit = -1, largest = -1;
    for (size_t s = 0; s < busy_until.size(); ++s) {
      if (busy_until[s] >= i) continue;
      if (p.slot_floats[s] >= floats[i] && (fit < 0 || p.slot_floats[s] < p.slot_floats[fit])) fit = int(s);
      if (largest < 0 || p.slot_floats[s] > p.slot_floats[largest]) largest = int(s);
    }
    int s = fit >= 0 ? fit : largest;
    if (s < 0) {
      s = int(busy_until.size());
      busy_until.push_back(0);
      p.slot_floats.push_back(0);
    }
    if (p.slot_floats[s] < floats[i]) p.slot_floats[s] = floats[i];
    busy_until[s] = last_reader[i];
    p.slot_of[i] = s;
  }
  return p;
}

}  // namespace huge2
