// huge2's own cfg key and the conv rules that the engine (src/engine) and the
// libdarknet plugin (src/plugin) both apply. Each side reads its options its
// own way (the engine from cfg::Section, the plugin from Darknet's kvp list)
// and hands the raw values here, so the two cannot disagree.
#pragma once
#include <optional>
#include <string>

namespace huge2::keys {

// The key a [net], [deconvolutional] or [convolutional] section uses to pick
// huge2's algorithm.
inline constexpr const char* kHuge2 = "huge2";

// The value of huge2=: the whole value must be the integer 0 or 1 (trailing
// text, even an inline comment, is refused: a key that only huge2 reads has no
// Darknet reading to stay compatible with). Otherwise std::invalid_argument
// saying "huge2=VALUE must be 0 or 1".
bool parse_huge2(const std::string& value);

// Whether an eligible layer runs huge2: its own huge2= when it has one, else
// the [net] section's.
bool wants_huge2(const std::optional<bool>& layer_key, bool net_default);

// The dilation a [convolutional] layer runs with: a 1x1 kernel has nothing to
// dilate, so its dilation= is read but ignored (as in the Darknet fork that
// has the key).
int effective_dilation(int size, int dilation);

}  // namespace huge2::keys
