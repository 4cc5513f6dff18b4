// One way to name an enum's values: a constant table of {name, value}, read
// both ways. Used by the activations, the algorithms and the ISAs, so their
// names, look-ups and "unknown ... (known: ...)" messages cannot drift apart.
#pragma once
#include <cstddef>
#include <stdexcept>
#include <string>

namespace huge2 {

template <class E>
struct Named {
  const char* name;
  E value;
};

// The value's name, or "?" for a value the table lacks.
template <class E, size_t N>
const char* name_of(const Named<E> (&table)[N], E value) {
  for (const Named<E>& n : table)
    if (n.value == value) return n.name;
  return "?";
}

// "a, b, c": the table's names in order.
template <class E, size_t N>
std::string known_names(const Named<E> (&table)[N]) {
  std::string all;
  for (const Named<E>& n : table) all += std::string(all.empty() ? "" : ", ") + n.name;
  return all;
}

// The value named `name`; std::invalid_argument "unknown WHAT 'name' (known: ...)" otherwise.
template <class E, size_t N>
E parse_named(const Named<E> (&table)[N], const std::string& name, const char* what) {
  for (const Named<E>& n : table)
    if (name == n.name) return n.value;
  throw std::invalid_argument(std::string("unknown ") + what + " '" + name + "' (known: " + known_names(table) + ")");
}

}  // namespace huge2
