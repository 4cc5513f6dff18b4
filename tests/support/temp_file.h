// A file name unique to this process under the system's temporary
// directory, optionally written with `text`, removed when the guard goes.
#pragma once
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include <unistd.h>

namespace huge2::test {

struct TempFile {
  std::string path;
  explicit TempFile(const std::string& tag, const std::string& text = "")
      : path((std::filesystem::temp_directory_path() / ("huge2-" + std::to_string(getpid()) + "-" + tag)).string()) {
    if (!text.empty()) std::ofstream(path) << text;
  }
  ~TempFile() { std::remove(path.c_str()); }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
};

}  // namespace huge2::test
