// The bundled cfgs (cfg/*.cfg), for the tests that run every one of them.
#pragma once
#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "cfg.h"
#include "huge2_keys.h"

namespace huge2::test {

// A cfg as the engine's reader parses it, less its huge2 keys: what both
// algorithms forced (NetworkOptions::algorithm overrides every huge2 key)
// build from it.
inline std::vector<std::string> options_but_huge2_keys(const std::string& path) {
  std::vector<std::string> kept;
  for (const cfg::Section& section : cfg::parse_cfg_file(path).sections) {
    kept.push_back("[" + section.type + "]");
    for (const cfg::Option& o : section.options)
      if (o.key != keys::kHuge2) kept.push_back(o.key + "=" + o.value);
  }
  return kept;
}

struct BundledCfgs {
  std::vector<std::string> all;       // every cfg/*.cfg, in name order
  std::vector<std::string> distinct;  // less each X-huge2.cfg that is X.cfg plus huge2 keys
};

// X-huge2.cfg is X.cfg plus huge2 keys: the same layers, so a test that
// forces the algorithm, or looks at the layers' shapes only, builds the same
// networks from both. A twin edited in any other line stays in `distinct`.
inline BundledCfgs bundled_cfgs() {
  BundledCfgs b;
  for (const auto& entry : std::filesystem::directory_iterator(HUGE2_SOURCE_DIR "/cfg"))
    if (entry.path().extension() == ".cfg") b.all.push_back(entry.path().string());
  std::sort(b.all.begin(), b.all.end());
  const std::string suffix = "-huge2.cfg";
  for (const std::string& cfg : b.all) {
    const bool twin = cfg.size() > suffix.size() && cfg.compare(cfg.size() - suffix.size(), suffix.size(), suffix) == 0;
    const std::string stock = twin ? cfg.substr(0, cfg.size() - suffix.size()) + ".cfg" : "";
    if (twin && std::filesystem::exists(stock) && options_but_huge2_keys(stock) == options_but_huge2_keys(cfg)) continue;
    b.distinct.push_back(cfg);
  }
  return b;
}

}  // namespace huge2::test
