// Darknet .cfg files: sections in brackets, key=value options, '#' and ';'
// comments, blank lines. Parsing follows Darknet's reader (whitespace is
// insignificant anywhere on a line, the first section starts the network;
// numbers are read the way atoi/atof read them: the leading number counts and
// trailing text, e.g. an inline "# comment", is ignored with a warning), but
// is stricter where Darknet silently guesses: a line that is neither a
// section, a comment nor key=value, a value with no leading number (Darknet
// reads 0), or an option before the first section is an error naming file and
// line.
#pragma once
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace huge2::cfg {

// Message is "FILE:LINE: what went wrong" (LINE omitted when there is none).
class CfgError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Option {
  std::string key, value;
  int line = 0;
  mutable bool used = false;  // set by the getters; what stays false is reported as unused
  // Set by a numeric getter that read only the value's leading number (as
  // Darknet's atoi/atof do): "FILE:LINE: ..." saying what was ignored.
  mutable std::string lenient_warning;
};

class Section {
 public:
  std::string type;  // header without brackets, as written: "convolutional", "deconv", "net", ...
  std::string file;
  int line = 0;  // line of the [header]
  std::vector<Option> options;

  bool has(const std::string& key) const;
  // Getters mark the option used. A malformed value throws CfgError naming
  // file, line, key and value. Duplicate keys: the first one counts (as in
  // Darknet); Cfg::warnings says so.
  int get_int(const std::string& key, int fallback) const;
  int require_int(const std::string& key) const;  // CfgError when missing
  float get_float(const std::string& key, float fallback) const;
  std::string get_string(const std::string& key, const std::string& fallback) const;
  std::vector<int> get_int_list(const std::string& key) const;  // "1, -3,4"; CfgError when missing
  // The lenient_warning of every option read so far, in file order.
  std::vector<std::string> value_warnings() const;
  // Options no getter has read, in file order.
  std::vector<const Option*> unused() const;
  // "FILE:LINE [type]", for messages about the section as a whole.
  std::string where() const;
  // "FILE:LINE", the line of `key` (or of the header when the key is absent).
  std::string where(const std::string& key) const;
};

struct Cfg {
  std::string file;
  std::vector<Section> sections;
  std::vector<std::string> warnings;  // "FILE:LINE: ..." for duplicate keys
};

Cfg parse_cfg_text(const std::string& text, const std::string& file_name);
// The largest cfg read: real ones are tens of KB; bounds `summary /dev/zero`.
constexpr uint64_t kMaxCfgBytes = uint64_t(16) << 20;
Cfg parse_cfg_file(const std::string& path);  // CfgError when it cannot be read or is larger

}  // namespace huge2::cfg
