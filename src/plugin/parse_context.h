// What the plugin reads from a cfg while libdarknet parses it. Darknet's
// parse_* functions receive neither the file name nor the [net] section, so
// the plugin's parse_network_cfg leaves them here for the layer parsers of
// the same thread (one parse at a time per thread, as Darknet itself does).
#pragma once
#include <optional>
#include <string>

#include "darknet_abi.h"

namespace huge2::plugin {

struct ParseContext {
  std::string cfg_path;    // as given to parse_network_cfg
  bool net_huge2 = false;  // [net] huge2=1: every eligible layer unless it says huge2=0
  int deconv_layers = 0;   // layers handed to huge2, for the closing line
  int dilated_layers = 0;
  int plain_conv_layers = 0;  // undilated [convolutional] with huge2 (the d = 1 case)
};

// The parse in progress on this thread, or null (a parse_* called directly).
ParseContext* current_parse();

// Installs a ParseContext for the lifetime of one parse_network_cfg call.
class ParseScope {
 public:
  explicit ParseScope(const char* cfg_path);
  ~ParseScope();
  ParseScope(const ParseScope&) = delete;
  ParseScope& operator=(const ParseScope&) = delete;
  ParseContext& context() { return ctx_; }

 private:
  ParseContext ctx_;
  ParseContext* outer_;
};

// The options of one cfg section (Darknet's list of kvp), read the way
// Darknet reads them (first occurrence wins, read keys are marked used so
// Darknet does not report them as unused), but checked: a malformed value
// ends the program with a message naming file, line, section and layer.
class SectionOptions {
 public:
  // layer_index: Darknet's index of the layer (params.index), -1 for [net].
  SectionOptions(list* options, const char* section, int layer_index);

  const char* find(const char* key) const;  // null when absent
  std::optional<bool> huge2() const;        // huge2=0/1 (huge2_keys.h)
  int int_at_least(const char* key, int fallback, int min) const;

  // "huge2 plugin: FILE:LINE: [section] (layer N): what", then exit(1):
  // Darknet has no error channel, and a clear stop beats running wrong.
  [[noreturn]] void fatal(const char* key, const std::string& what) const;

 private:
  std::string where(const char* key) const;

  list* options_;
  const char* section_;
  int index_;
};

// Messages to stderr unless HUGE2_PLUGIN_QUIET is set (to anything but 0).
bool plugin_verbose();

}  // namespace huge2::plugin
