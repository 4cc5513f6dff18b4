// Darknet .cfg reader: see cfg.h for the rules. Darknet's own reader turns
// unparsable numbers into 0 (atoi/atof) and skips lines it cannot read; here
// a value with no leading number and a line that cannot be read are CfgErrors
// with "FILE:LINE", so a typo stops the load instead of silently building a
// different network. A value with a leading number and trailing text
// ("128#64" from "batch=128  # 64") reads as Darknet reads it, with a warning.
#include "cfg.h"

#include "input_file.h"

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace huge2::cfg {
namespace {

const char* const kSpace = " \t\r\v\f";

std::string trimmed(const std::string& s) {
  const size_t b = s.find_first_not_of(kSpace);
  return b == std::string::npos ? "" : s.substr(b, s.find_last_not_of(kSpace) + 1 - b);
}

// A line quoted in a message: a 1 MB line is not echoed whole.
std::string shortened(const std::string& s) {
  constexpr size_t kShown = 80;
  return s.size() <= kShown ? s : s.substr(0, kShown) + "... (" + std::to_string(s.size()) + " characters)";
}

std::string at(const std::string& file, int line) { return file + ":" + std::to_string(line); }

// A comment after a value is part of the value in Darknet ("size=3 # k" reads
// as "3#k"); say so, since that is the usual reason such a number is refused.
std::string comment_hint(const std::string& value) {
  return value.find_first_of("#;") == std::string::npos ? ""
                                                        : " (a comment after a value is part of the value)";
}

[[noreturn]] void bad_value(const Section& s, const Option& o, const std::string& what) {
  throw CfgError(at(s.file, o.line) + ": [" + s.type + "] " + o.key + "='" + shortened(o.value) + "' " + what +
                 comment_hint(o.value));
}

// Optional sign and decimal digits at the start of text, as atoi reads them
// (the cfg reader has already removed whitespace). `used` is how many
// characters the number took; what follows is left to the caller. No digits
// ("abc", "", "+") is malformed, where atoi would return 0.
enum class IntParse { ok, malformed, overflow };
IntParse parse_int(const std::string& text, int& out, size_t& used) {
  size_t i = (!text.empty() && (text[0] == '+' || text[0] == '-')) ? 1 : 0;
  const size_t digits = i;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
  if (i == digits) return IntParse::malformed;
  used = i;
  errno = 0;
  const long long v = std::strtoll(text.substr(0, i).c_str(), nullptr, 10);
  if (errno == ERANGE || v < INT_MIN || v > INT_MAX) return IntParse::overflow;
  out = int(v);
  return IntParse::ok;
}

// Records that only the first `used` characters of o's value were read.
void note_lenient(const Section& s, const Option& o, const std::string& item, size_t used, const std::string& read_as) {
  if (used == item.size()) return;
  std::string w = read_as + ", '" + item.substr(used) + "' ignored";
  if (item.find_first_of("#;", used) != std::string::npos) w += " (a comment after a value is part of the value)";
  const std::string head = at(s.file, o.line) + ": [" + s.type + "] " + o.key + "='" + o.value +
                           "': Darknet reads the leading number: ";
  if (o.lenient_warning.empty())
    o.lenient_warning = head + w;
  else if (o.lenient_warning.find(w) == std::string::npos)  // a getter may run twice on one key
    o.lenient_warning += "; " + w;
}

// The first occurrence counts, as in Darknet's option_find.
const Option* find(const Section& s, const std::string& key) {
  for (const Option& o : s.options)
    if (o.key == key) return &o;
  return nullptr;
}

}  // namespace

// ---- Section ----

bool Section::has(const std::string& key) const { return find(*this, key) != nullptr; }

int Section::get_int(const std::string& key, int fallback) const {
  return has(key) ? require_int(key) : fallback;
}

int Section::require_int(const std::string& key) const {
  const Option* o = find(*this, key);
  if (!o) throw CfgError(at(file, line) + ": [" + type + "] needs '" + key + "' (an integer)");
  o->used = true;
  int v = 0;
  size_t used = 0;
  switch (parse_int(o->value, v, used)) {
    case IntParse::ok: note_lenient(*this, *o, o->value, used, std::to_string(v)); return v;
    case IntParse::malformed: bad_value(*this, *o, "is not an integer");
    case IntParse::overflow: bad_value(*this, *o, "is out of the int range");
  }
  return v;
}

float Section::get_float(const std::string& key, float fallback) const {
  const Option* o = find(*this, key);
  if (!o) return fallback;
  o->used = true;
  // What strtof (like Darknet's atof) reads at the start ("1e-3", ".5", "-2");
  // trailing text is ignored with a warning. "nan", "inf" and values that
  // overflow a float parse but are refused: no layer parameter wants them.
  const char* begin = o->value.c_str();
  char* end = nullptr;
  const float v = std::strtof(begin, &end);
  if (end == begin) bad_value(*this, *o, "is not a number");
  if (!std::isfinite(v)) bad_value(*this, *o, "is not a finite number");
  char shown[32];
  std::snprintf(shown, sizeof shown, "%g", double(v));
  note_lenient(*this, *o, o->value, size_t(end - begin), shown);
  return v;
}

std::string Section::get_string(const std::string& key, const std::string& fallback) const {
  const Option* o = find(*this, key);
  if (!o) return fallback;
  o->used = true;
  return o->value;  // may be "" ("key=" is a present, empty value)
}

std::vector<int> Section::get_int_list(const std::string& key) const {
  const Option* o = find(*this, key);
  if (!o) throw CfgError(at(file, line) + ": [" + type + "] needs '" + key + "' (a list of integers)");
  o->used = true;
  std::vector<int> out;
  size_t start = 0;
  for (;;) {  // every element between commas, including empty ones ("1,,2", "1,", "")
    const size_t comma = o->value.find(',', start);
    const std::string item = o->value.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    int v = 0;
    size_t used = 0;
    const IntParse r = parse_int(item, v, used);
    if (r != IntParse::ok)
      bad_value(*this, *o, "element " + std::to_string(out.size() + 1) + " ('" + item + "') " +
                               (r == IntParse::overflow ? "is out of the int range" : "is not an integer"));
    note_lenient(*this, *o, item, used, "element " + std::to_string(out.size() + 1) + " = " + std::to_string(v));
    out.push_back(v);
    if (comma == std::string::npos) return out;
    start = comma + 1;
  }
}

std::vector<std::string> Section::value_warnings() const {
  std::vector<std::string> out;
  for (const Option& o : options)
    if (!o.lenient_warning.empty()) out.push_back(o.lenient_warning);
  return out;
}

std::vector<const Option*> Section::unused() const {
  std::vector<const Option*> out;
  for (const Option& o : options)
    if (!o.used) out.push_back(&o);
  return out;
}

std::string Section::where() const { return at(file, line) + " [" + type + "]"; }

std::string Section::where(const std::string& key) const {
  const Option* o = find(*this, key);
  return at(file, o ? o->line : line);
}

// ---- parsing ----

Cfg parse_cfg_text(const std::string& text, const std::string& file_name) {
  Cfg cfg;
  cfg.file = file_name;
  size_t pos = text.compare(0, 3, "\xEF\xBB\xBF") == 0 ? 3 : 0;  // UTF-8 BOM from Windows editors
  for (int line_no = 1; pos <= text.size(); ++line_no) {
    const size_t eol = std::min(text.find('\n', pos), text.size());
    const std::string raw = text.substr(pos, eol - pos);
    pos = eol + 1;
    // Darknet's strip(): whitespace is removed everywhere, so "layers = -1, 4"
    // is "layers=-1,4" and "[ net ]" is "[net]". CR covers CRLF files.
    std::string line;
    for (char c : raw)
      if (!std::strchr(kSpace, c)) line += c;
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    const std::string here = at(file_name, line_no);
    const std::string shown = shortened(trimmed(raw));  // messages quote the line as written
    if (line[0] == '[') {
      if (line.back() != ']')
        throw CfgError(here + ": section header '" + shown + "' does not end with ']'");
      Section s;
      s.type = line.substr(1, line.size() - 2);
      if (s.type.empty()) throw CfgError(here + ": empty section name '[]'");
      if (s.type.find_first_of("[]") != std::string::npos)
        throw CfgError(here + ": bad section header '" + shown + "'");
      s.file = file_name;
      s.line = line_no;
      cfg.sections.push_back(std::move(s));
    } else {
      const size_t eq = line.find('=');
      if (eq == std::string::npos) throw CfgError(here + ": expected key=value, got '" + shown + "'");
      if (eq == 0) throw CfgError(here + ": empty key in '" + shown + "'");
      if (cfg.sections.empty())
        throw CfgError(here + ": option '" + shortened(line.substr(0, eq)) + "' before any [section]");
      Section& s = cfg.sections.back();
      Option o;
      o.key = line.substr(0, eq);
      o.value = line.substr(eq + 1);
      o.line = line_no;
      if (const Option* prev = find(s, o.key))
        cfg.warnings.push_back(here + ": duplicate key '" + o.key + "' in [" + s.type + "] (first at line " +
                               std::to_string(prev->line) + " is used)");
      s.options.push_back(std::move(o));
    }
  }
  if (cfg.sections.empty()) throw CfgError(file_name + ": no sections");
  return cfg;
}

Cfg parse_cfg_file(const std::string& path) {
  try {
    return parse_cfg_text(read_file_bounded(path, kMaxCfgBytes, "a cfg"), path);
  } catch (const InputError& e) {
    throw CfgError(e.what());
  }
}

}  // namespace huge2::cfg
