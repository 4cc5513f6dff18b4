// What a network will need before anything is allocated, and what the
// machine can give: so that a cfg that would take more memory than there is
// stops with a message naming the largest layer instead of a bad_alloc, an
// OOM kill or minutes of swapping.
#pragma once
#include <cstdint>
#include <string>

namespace huge2 {

// MemAvailable from /proc/meminfo (or what a cgroup v2 memory limit or an
// address-space limit leaves, if less), in bytes; 0 when it cannot be read (then no limit is applied
// unless one is given).
uint64_t available_memory_bytes();

// "1.5 GiB", "12.0 MiB", "512 bytes".
std::string format_bytes(uint64_t bytes);

// Parses "--max-memory" values: "4096" (MiB), "512M", "4G", "2T" (binary
// units). Throws std::invalid_argument naming the value.
uint64_t parse_memory_size(const std::string& text);

}  // namespace huge2
