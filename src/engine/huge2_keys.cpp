#include "huge2_keys.h"

#include <cerrno>
#include <cstdlib>
#include <stdexcept>

namespace huge2::keys {

bool parse_huge2(const std::string& value) {
  const char* begin = value.c_str();
  char* end = nullptr;
  errno = 0;
  const long v = std::strtol(begin, &end, 10);
  if (end == begin || *end != '\0' || errno == ERANGE || (v != 0 && v != 1))
    throw std::invalid_argument(std::string(kHuge2) + "=" + value + " must be 0 or 1");
  return v == 1;
}

bool wants_huge2(const std::optional<bool>& layer_key, bool net_default) { return layer_key.value_or(net_default); }

int effective_dilation(int size, int dilation) { return size == 1 ? 1 : dilation; }

}  // namespace huge2::keys
