#include "output_checks.h"

#include <algorithm>
#include <cctype>

#include "common.h"
#include "output_file.h"

namespace huge2::cli {
namespace {

bool ends_with_ignoring_case(const std::string& s, const std::string& tail) {
  if (s.size() < tail.size()) return false;
  return std::equal(tail.begin(), tail.end(), s.end() - long(tail.size()),
                    [](char a, char b) { return std::tolower((unsigned char)a) == std::tolower((unsigned char)b); });
}

}  // namespace

void check_output(const std::string& output, const char* option, const char* extension, const char* writes,
                  const std::vector<std::string>& inputs) {
  if (extension && !ends_with_ignoring_case(output, extension))
    throw UsageError(std::string(option) + " " + output + ": " + writes + "; the name must end in " + extension);
  refuse_output_over_inputs(output, option, inputs);
}

}  // namespace huge2::cli
