// Output and input files (issue 21): outputs replace the target only when
// complete and never leave a temporary file; an output that is an input is
// refused; whole-file reads are bounded.
#include <catch2/catch.hpp>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>

#include "input_file.h"
#include "output_file.h"

using namespace huge2;
using Catch::Contains;

namespace {

// A fresh directory under /tmp, removed with its files.
class TempDir {
 public:
  TempDir() {
    char name[] = "/tmp/huge2-output-XXXXXX";
    path_ = mkdtemp(name);
  }
  ~TempDir() { std::system(("rm -rf '" + path_ + "'").c_str()); }
  std::string file(const std::string& name) const { return path_ + "/" + name; }
  // Files in the directory, hidden ones included.
  int count() const {
    const std::string cmd = "ls -A '" + path_ + "' | wc -l";
    std::FILE* p = popen(cmd.c_str(), "r");
    int n = -1;
    if (p && std::fscanf(p, "%d", &n) != 1) n = -1;
    if (p) pclose(p);
    return n;
  }

 private:
  std::string path_;
};

std::string contents(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

void write(const std::string& path, const std::string& text) { std::ofstream(path, std::ios::binary) << text; }

}  // namespace

TEST_CASE("output file: replaces the target only on commit", "[output]") {
  TempDir d;
  const std::string target = d.file("out.bin");
  write(target, "old");
  {
    OutputFile f(target);
    f.write("new bytes", 9);
    CHECK(contents(target) == "old");  // not yet: the bytes are in the temporary file
    CHECK(d.count() == 2);
    f.commit();
  }
  CHECK(contents(target) == "new bytes");
  CHECK(d.count() == 1);  // the temporary file was renamed, not copied
}

TEST_CASE("output file: an abandoned write leaves the old file and no temporary", "[output]") {
  TempDir d;
  const std::string target = d.file("out.bin");
  write(target, "old");
  {
    OutputFile f(target);
    f.write("half", 4);
  }  // an exception between write and commit ends here
  CHECK(contents(target) == "old");
  CHECK(d.count() == 1);
}

TEST_CASE("output file: errors name the file and the reason", "[output]") {
  TempDir d;
  CHECK_THROWS_WITH(OutputFile(d.file("missing/out.bin")), Contains("missing/out.bin: cannot create (No such file"));
  CHECK_THROWS_WITH(OutputFile(d.file("")), Contains("Is a directory"));
}

TEST_CASE("output file: an output that is an input is refused", "[output]") {
  TempDir d;
  const std::string in = d.file("in.cfg"), link = d.file("link.cfg");
  write(in, "[net]");
  REQUIRE(::link(in.c_str(), link.c_str()) == 0);  // another name, the same inode
  CHECK_THROWS_WITH(refuse_output_over_inputs(link, "--output", {d.file("other"), in}),
                    Contains("--output " + link + " is the same file as the input " + in));
  CHECK_NOTHROW(refuse_output_over_inputs(d.file("new.bin"), "--output", {in}));
  CHECK(contents(in) == "[net]");
}

TEST_CASE("input file: reads are bounded", "[input]") {
  TempDir d;
  const std::string f = d.file("ten.txt");
  write(f, "0123456789");
  CHECK(read_file_bounded(f, 10, "a test") == "0123456789");
  CHECK_THROWS_WITH(read_file_bounded(f, 9, "a test"), Contains("is more than the"));
  CHECK_THROWS_WITH(read_file_bounded(d.file(""), 10, "a test"), Contains("cannot read (Is a directory)"));
  CHECK_THROWS_WITH(read_file_bounded("/dev/zero", 1000, "a test"), Contains("no end after"));
}
