#include "memory_budget.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <sys/resource.h>

namespace huge2 {

namespace {

// "Key:   123 kB" from a /proc file, in bytes; 0 when absent.
uint64_t proc_kib_field(const char* file, const std::string& field) {
  std::ifstream f(file);
  std::string line;
  while (std::getline(f, line))
    if (line.compare(0, field.size(), field) == 0) return std::stoull(line.substr(field.size())) * 1024;
  return 0;
}

}  // namespace

uint64_t available_memory_bytes() {
  uint64_t avail = 0;
  try {
    avail = proc_kib_field("/proc/meminfo", "MemAvailable:");
    // A container's memory limit (cgroup v2) binds before the host's RAM.
    uint64_t limit = 0, current = 0;
    if ((std::ifstream("/sys/fs/cgroup/memory.max") >> limit) && (std::ifstream("/sys/fs/cgroup/memory.current") >> current)) {
      const uint64_t left = limit > current ? limit - current : 1;
      avail = avail ? std::min(avail, left) : left;
    }
    // An address-space limit (ulimit -v, prlimit --as) binds before RAM does.
    rlimit as{};
    if (getrlimit(RLIMIT_AS, &as) == 0 && as.rlim_cur != RLIM_INFINITY) {
      const uint64_t used = proc_kib_field("/proc/self/status", "VmSize:");
      const uint64_t left = uint64_t(as.rlim_cur) > used ? uint64_t(as.rlim_cur) - used : 1;
      avail = avail ? std::min(avail, left) : left;
    }
  } catch (const std::exception&) {  // a /proc format we do not know: no limit
  }
  return avail;
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
