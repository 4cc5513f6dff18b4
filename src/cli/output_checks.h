// The checks every verb makes on its output files before any work (issue 21):
// the name's extension is the format written, and no output is an input.
#pragma once
#include <string>
#include <vector>

namespace huge2::cli {

// UsageError unless `output` ends in `extension` (".png", ".npy"; any case):
// `detect --output x.jpg` wrote PNG bytes into a .jpg. `writes` says what the
// verb writes ("detect writes a PNG image"). Then OutputError (output_file.h)
// when output is the same file as one of `inputs`.
void check_output(const std::string& output, const char* option, const char* extension, const char* writes,
                  const std::vector<std::string>& inputs);

}  // namespace huge2::cli
