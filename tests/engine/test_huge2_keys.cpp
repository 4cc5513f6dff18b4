// huge2's own key and the conv rules shared by the engine and the plugin
// (src/engine/huge2_keys.h), against hand-written cases.
#include <catch2/catch.hpp>

#include <optional>
#include <stdexcept>
#include <string>

#include "huge2_keys.h"

namespace keys = huge2::keys;

TEST_CASE("huge2 keys: huge2= is the integer 0 or 1 and nothing else", "[keys]") {
  CHECK(keys::parse_huge2("1"));
  CHECK_FALSE(keys::parse_huge2("0"));
  for (const char* bad : {"", "2", "-1", "yes", "true", "1#fast", "0x1", "1.0", "99999999999999999999"}) {
    INFO(bad);
    try {
      keys::parse_huge2(bad);
      FAIL("accepted");
    } catch (const std::invalid_argument& e) {
      CHECK(std::string(e.what()) == std::string("huge2=") + bad + " must be 0 or 1");
    }
  }
}

TEST_CASE("huge2 keys: the layer's key wins over [net]'s, which is the default", "[keys]") {
  CHECK(keys::wants_huge2(std::nullopt, true));
  CHECK_FALSE(keys::wants_huge2(std::nullopt, false));
  CHECK(keys::wants_huge2(true, false));
  CHECK_FALSE(keys::wants_huge2(false, true));
}

TEST_CASE("huge2 keys: a 1x1 kernel is never dilated", "[keys]") {
  CHECK(keys::effective_dilation(1, 4) == 1);
  CHECK(keys::effective_dilation(3, 4) == 4);
  CHECK(keys::effective_dilation(3, 1) == 1);
}
