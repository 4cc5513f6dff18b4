#include "parse_context.h"

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

#include "cfg.h"
#include "exit_failure.h"
#include "huge2_keys.h"

namespace huge2::plugin {
namespace {
thread_local ParseContext* t_current = nullptr;
}  // namespace

ParseContext* current_parse() { return t_current; }

ParseScope::ParseScope(const char* cfg_path) : outer_(t_current) {
  ctx_.cfg_path = cfg_path ? cfg_path : "";
  t_current = &ctx_;
}

ParseScope::~ParseScope() { t_current = outer_; }

SectionOptions::SectionOptions(list* options, const char* section, int layer_index)
    : options_(options), section_(section), index_(layer_index) {}

const char* SectionOptions::find(const char* key) const {
  for (node* n = options_ ? options_->front : nullptr; n; n = n->next) {
    kvp* p = static_cast<kvp*>(n->val);
    if (p && p->key && std::strcmp(p->key, key) == 0) {
      p->used = 1;
      return p->val ? p->val : "";
    }
  }
  return nullptr;
}

int SectionOptions::int_at_least(const char* key, int fallback, int min) const {
  const char* v = find(key);
  if (!v) return fallback;
  char* end = nullptr;
  errno = 0;
  const long x = std::strtol(v, &end, 10);
  if (end == v || *end != '\0' || errno == ERANGE || x > INT_MAX)
    fatal(key, std::string(key) + "=" + v + " is not an integer");
  if (x < min) fatal(key, std::string(key) + "=" + v + " must be at least " + std::to_string(min));
  return int(x);
}

std::optional<bool> SectionOptions::huge2() const {
  const char* v = find(keys::kHuge2);
  if (!v) return std::nullopt;
  try {
    return keys::parse_huge2(v);
  } catch (const std::invalid_argument& e) {
    fatal(keys::kHuge2, e.what());
  }
}

std::string SectionOptions::where(const char* key) const {
  const ParseContext* ctx = current_parse();
  const std::string layer = index_ >= 0 ? " (layer " + std::to_string(index_) + ")" : "";
  const std::string head = std::string("[") + section_ + "]" + layer;
  if (!ctx || ctx->cfg_path.empty()) return head;
  // Darknet keeps no line numbers: find the key again with huge2's reader
  // (section index_ + 1, after [net]); when that reader refuses the file,
  // name the file alone.
  try {
    const cfg::Cfg c = cfg::parse_cfg_file(ctx->cfg_path);
    const size_t s = size_t(index_ + 1);
    if (s < c.sections.size()) return c.sections[s].where(key) + ": " + head;
  } catch (const std::exception&) {
  }
  return ctx->cfg_path + ": " + head;
}

void SectionOptions::fatal(const char* key, const std::string& what) const {
  std::fprintf(stderr, "huge2 plugin: %s: %s\n", where(key).c_str(), what.c_str());
  exit_failure();
}

bool plugin_verbose() {
  const char* q = std::getenv("HUGE2_PLUGIN_QUIET");
  return !q || !*q || std::strcmp(q, "0") == 0;
}

}  // namespace huge2::plugin
