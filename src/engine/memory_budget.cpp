#include "memory_budget.h"

#include <cctype>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace huge2 {

uint64_t available_memory_bytes() {
  std::ifstream f("/proc/meminfo");
  std::string key;
  uint64_t kib = 0;
  std::string unit;
  while (f >> key >> kib) {
    std::getline(f, unit);
    if (key == "MemAvailable:") return kib * 1024;
  }
  return 0;
}

std::string format_bytes(uint64_t bytes) {
  char s[64];
  if (bytes >= (uint64_t(1) << 30))
    std::snprintf(s, sizeof s, "%.1f GiB", double(bytes) / double(uint64_t(1) << 30));
  else if (bytes >= (uint64_t(1) << 20))
    std::snprintf(s, sizeof s, "%.1f MiB", double(bytes) / double(uint64_t(1) << 20));
  else
    std::snprintf(s, sizeof s, "%llu bytes", static_cast<unsigned long long>(bytes));
  return s;
}

uint64_t parse_memory_size(const std::string& text) {
  const std::string bad = "memory size '" + text + "' is not N, NM, NG or NT (N a positive integer; plain N is MiB)";
  size_t i = 0;
  uint64_t n = 0;
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
    if (n > (uint64_t(1) << 40)) throw std::invalid_argument(bad);
    n = n * 10 + uint64_t(text[i++] - '0');
  }
  if (i == 0 || n == 0) throw std::invalid_argument(bad);
  int shift = 20;
  if (i + 1 == text.size()) {
    switch (std::toupper(static_cast<unsigned char>(text[i]))) {
      case 'M': shift = 20; break;
      case 'G': shift = 30; break;
      case 'T': shift = 40; break;
      default: throw std::invalid_argument(bad);
    }
  } else if (i != text.size()) {
    throw std::invalid_argument(bad);
  }
  if (n > (~uint64_t(0) >> shift)) throw std::invalid_argument(bad);
  return n << shift;
}

}  // namespace huge2
