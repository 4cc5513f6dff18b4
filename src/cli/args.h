// A small command-line reader for the huge2 verbs: positional arguments and
// --key value / --key=value / --flag options, each verb declaring what it takes.
#pragma once
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace huge2::cli {

class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Args {
 public:
  // valued: options that take a value; flags: options that do not.
  Args(int argc, char** argv, int first, const std::set<std::string>& valued, const std::set<std::string>& flags);
  const std::vector<std::string>& positional() const { return positional_; }
  bool flag(const std::string& name) const { return flags_.count(name) > 0; }
  bool has(const std::string& name) const { return values_.count(name) > 0; }
  std::string get(const std::string& name, const std::string& fallback) const;
  int get_int(const std::string& name, int fallback, int min) const;
  void expect_positional(size_t min, size_t max, const char* what) const;

 private:
  std::vector<std::string> positional_;
  std::map<std::string, std::string> values_;
  std::set<std::string> flags_;
};

}  // namespace huge2::cli
