// Darknet .cfg reader: a realistic DCGAN cfg, every getter, defaults, unused
// and duplicate keys, CRLF, and a corpus of malformed files whose errors must
// name the file and the exact line.
#include <catch2/catch.hpp>

#include <climits>
#include <cmath>
#include <string>
#include <vector>

#include "cfg.h"

using namespace huge2::cfg;
using Catch::Contains;
using Catch::Equals;
using Catch::StartsWith;

namespace {

const std::string kDir = std::string(HUGE2_TEST_DATA) + "/cfg/";

// One section parsed from text, for getter tests.
Section section_of(const std::string& body, const std::string& type = "deconvolutional") {
  Cfg c = parse_cfg_text("[" + type + "]\n" + body, "t.cfg");
  REQUIRE(c.sections.size() == 1);
  return c.sections[0];
}

std::vector<std::string> keys(const std::vector<const Option*>& opts) {
  std::vector<std::string> out;
  for (const Option* o : opts) out.push_back(o->key);
  return out;
}

}  // namespace

TEST_CASE("cfg: a DCGAN generator cfg parses into sections and options", "[cfg]") {
  const Cfg c = parse_cfg_file(kDir + "dcgan.cfg");
  CHECK(c.file == kDir + "dcgan.cfg");
  CHECK(c.warnings.empty());
  REQUIRE(c.sections.size() == 5);
  const std::vector<std::string> types = {"net", "deconvolutional", "deconvolutional", "route", "deconvolutional"};
  const std::vector<int> lines = {5, 16, 25, 33, 36};
  for (size_t i = 0; i < 5; ++i) {
    CHECK(c.sections[i].type == types[i]);  // "[ deconvolutional ]" loses its spaces
    CHECK(c.sections[i].line == lines[i]);
    CHECK(c.sections[i].file == c.file);
  }

  const Section& net = c.sections[0];
  REQUIRE(net.options.size() == 8);
  CHECK(net.options[0].key == "batch");  // "batch = 1"
  CHECK(net.options[0].value == "1");
  CHECK(net.options[0].line == 6);
  CHECK(net.options[7].key == "decay");
  CHECK(net.options[7].line == 13);
  CHECK(net.get_int("width", 0) == 1);
  CHECK(net.get_int("height", 0) == 1);
  CHECK(net.require_int("channels") == 100);
  CHECK(net.get_float("learning_rate", 0) == Approx(0.0002f));
  CHECK(net.get_float("momentum", 0) == 0.5f);
  CHECK(net.get_float("decay", 0) == Approx(5e-4f));
  CHECK(net.get_int("batch", 0) == 1);
  CHECK(keys(net.unused()) == std::vector<std::string>{"subdivisions"});

  const Section& d1 = c.sections[1];
  CHECK(d1.get_int("batch_normalize", 0) == 1);
  CHECK(d1.require_int("filters") == 512);
  CHECK(d1.get_int("stride", 1) == 1);
  CHECK(d1.get_int("padding", -1) == 0);
  CHECK(d1.get_string("activation", "logistic") == "leaky");
  CHECK(d1.get_int("dilation", 1) == 1);  // absent: the fallback
  CHECK(keys(d1.unused()) == std::vector<std::string>{"size"});

  const Section& d2 = c.sections[2];
  CHECK(d2.require_int("filters") == 256);  // "filters = 256"
  CHECK(d2.get_int("batch_normalize", 0) == 1);
  CHECK(d2.where("filters") == kDir + "dcgan.cfg:27");

  const Section& route = c.sections[3];
  CHECK(route.get_int_list("layers") == std::vector<int>{-1, 1});  // "layers = -1, 1"

  const Section& last = c.sections[4];
  CHECK(last.get_string("activation", "") == "tanh");  // "activation= tanh"
  CHECK(last.where() == kDir + "dcgan.cfg:36 [deconvolutional]");
}

TEST_CASE("cfg: whitespace is removed anywhere on a line, as Darknet's strip does", "[cfg]") {
  const Cfg c = parse_cfg_text(" \t[ n e t ]  \nwid th = 6 4\t\n  learning_rate = 1e - 3\n", "w.cfg");
  REQUIRE(c.sections.size() == 1);
  const Section& s = c.sections[0];
  CHECK(s.type == "net");
  CHECK(s.get_int("width", 0) == 64);
  CHECK(s.get_float("learning_rate", 0) == Approx(1e-3f));
}

TEST_CASE("cfg: comments and blank lines are skipped but counted", "[cfg]") {
  const Cfg c = parse_cfg_text(
      "# comment\n"
      "  ; indented semicolon comment\n"
      "\n"
      "\t \n"
      "[net]\n"
      "  # width=999 commented out\n"
      ";height=999\n"
      "width=3\n",
      "c.cfg");
  REQUIRE(c.sections.size() == 1);
  const Section& s = c.sections[0];
  CHECK(s.line == 5);
  REQUIRE(s.options.size() == 1);
  CHECK(s.options[0].line == 8);
  CHECK_FALSE(s.has("height"));
  CHECK(s.get_int("width", 0) == 3);
}

TEST_CASE("cfg: a comment after a value is part of the value, and numbers read their leading part, as in Darknet",
          "[cfg]") {
  const Section s = section_of("size=3 # kernel\nactivation=leaky;x\nbatch=128  # 64\n");
  CHECK(s.get_string("size", "") == "3#kernel");
  CHECK(s.value_warnings().empty());  // a string read in full
  CHECK(s.get_int("size", 0) == 3);   // atoi("3#kernel")
  CHECK(s.get_int("batch", 0) == 128);
  CHECK(s.get_string("activation", "") == "leaky;x");
  CHECK(s.value_warnings() ==
        std::vector<std::string>{"t.cfg:2: [deconvolutional] size='3#kernel': Darknet reads the leading number: 3, "
                                 "'#kernel' ignored (a comment after a value is part of the value)",
                                 "t.cfg:4: [deconvolutional] batch='128#64': Darknet reads the leading number: 128, "
                                 "'#64' ignored (a comment after a value is part of the value)"});
  s.get_int("size", 0);  // reading again does not repeat the warning
  CHECK(s.value_warnings().size() == 2);
}

TEST_CASE("cfg: get_int accepts an optional sign and digits only", "[cfg]") {
  const Section s = section_of("a=7\nb=-12\nc=+5\nd=007\ne=0\nf=-0\nmax=2147483647\nmin=-2147483648\n");
  CHECK(s.get_int("a", 0) == 7);
  CHECK(s.get_int("b", 0) == -12);
  CHECK(s.get_int("c", 0) == 5);
  CHECK(s.get_int("d", 0) == 7);
  CHECK(s.get_int("e", 1) == 0);
  CHECK(s.get_int("f", 1) == 0);
  CHECK(s.get_int("max", 0) == INT_MAX);
  CHECK(s.get_int("min", 0) == INT_MIN);
  CHECK(s.require_int("a") == 7);
  CHECK(s.get_int("absent", 42) == 42);
  CHECK(s.get_int("absent", -1) == -1);

  // Leading number and trailing text: atoi's value, and a warning naming the line.
  struct Lenient {
    const char* value;
    int want;
    const char* ignored;
  };
  for (const Lenient& l : {Lenient{"3.0", 3, ".0"}, Lenient{"3abc", 3, "abc"}, Lenient{"0x10", 0, "x10"},
                           Lenient{"1e3", 1, "e3"}, Lenient{"1,2", 1, ",2"}, Lenient{"-7#x", -7, "#x"}}) {
    INFO("value '" << l.value << "'");
    const Section b = section_of(std::string("size=") + l.value + "\n");
    CHECK(b.get_int("size", 0) == l.want);
    REQUIRE(b.value_warnings().size() == 1);
    CHECK_THAT(b.value_warnings()[0], StartsWith(std::string("t.cfg:2: [deconvolutional] size='") + l.value +
                                                 "': Darknet reads the leading number: " + std::to_string(l.want) +
                                                 ", '" + l.ignored + "' ignored"));
  }
  // No leading number at all (atoi would give 0): an error.
  for (const char* bad : {"abc", "", "+", "-", "--1", "+-1", "３", "x3"}) {
    INFO("value '" << bad << "'");
    const Section b = section_of(std::string("size=") + bad + "\n");
    CHECK_THROWS_WITH(b.get_int("size", 0),
                      Equals(std::string("t.cfg:2: [deconvolutional] size='") + bad + "' is not an integer"));
    CHECK_THROWS_AS(b.require_int("size"), CfgError);
  }
  for (const char* big : {"2147483648", "-2147483649", "99999999999999999999999999"}) {
    INFO("value '" << big << "'");
    const Section b = section_of(std::string("filters=") + big + "\n");
    CHECK_THROWS_WITH(b.get_int("filters", 0),
                      Equals(std::string("t.cfg:2: [deconvolutional] filters='") + big + "' is out of the int range"));
  }
}

TEST_CASE("cfg: require_int names the section when the key is missing", "[cfg]") {
  const Cfg c = parse_cfg_text("[net]\nwidth=1\n\n[deconvolutional]\nsize=4\n", "r.cfg");
  CHECK_THROWS_WITH(c.sections[1].require_int("filters"),
                    Equals("r.cfg:4: [deconvolutional] needs 'filters' (an integer)"));
}

TEST_CASE("cfg: get_float accepts what strtof reads in full, finite only", "[cfg]") {
  const Section s = section_of("a=1e-3\nb=.5\nc=-2\nd=+0.25\ne=5.\nf=1E2\ng=3\n");
  CHECK(s.get_float("a", 0) == Approx(1e-3f));
  CHECK(s.get_float("b", 0) == 0.5f);
  CHECK(s.get_float("c", 0) == -2.f);
  CHECK(s.get_float("d", 0) == 0.25f);
  CHECK(s.get_float("e", 0) == 5.f);
  CHECK(s.get_float("f", 0) == 100.f);
  CHECK(s.get_float("g", 0) == 3.f);
  CHECK(s.get_float("absent", 0.125f) == 0.125f);

  for (const auto& [text, want] : std::vector<std::pair<const char*, float>>{{"1.5x", 1.5f}, {"0,001", 0.f},
                                                                            {"1.2.3", 1.2f}, {".5#half", .5f}}) {
    INFO("value '" << text << "'");
    const Section b = section_of(std::string("momentum=") + text + "\n");
    CHECK(b.get_float("momentum", 7) == want);  // atof's value
    REQUIRE(b.value_warnings().size() == 1);
    CHECK_THAT(b.value_warnings()[0], StartsWith(std::string("t.cfg:2: [deconvolutional] momentum='") + text + "'"));
  }
  for (const char* bad : {"", "abc", "e5", "."}) {
    INFO("value '" << bad << "'");
    const Section b = section_of(std::string("momentum=") + bad + "\n");
    CHECK_THROWS_WITH(b.get_float("momentum", 0),
                      Equals(std::string("t.cfg:2: [deconvolutional] momentum='") + bad + "' is not a number"));
  }
  for (const char* nonfinite : {"nan", "NAN", "inf", "-inf", "infinity", "1e999", "-1e40"}) {
    INFO("value '" << nonfinite << "'");
    const Section b = section_of(std::string("momentum=") + nonfinite + "\n");
    CHECK_THROWS_WITH(b.get_float("momentum", 0), Equals(std::string("t.cfg:2: [deconvolutional] momentum='") +
                                                         nonfinite + "' is not a finite number"));
  }
}

TEST_CASE("cfg: get_string returns the value as stripped, empty values included", "[cfg]") {
  const Section s = section_of("activation=leaky\nempty=\nexpr=a=b=c\n");
  CHECK(s.get_string("activation", "linear") == "leaky");
  CHECK(s.has("empty"));
  CHECK(s.get_string("empty", "fallback") == "");  // present and empty is not missing
  CHECK(s.get_string("expr", "") == "a=b=c");      // split at the first '='
  CHECK(s.get_string("absent", "linear") == "linear");
  CHECK_THROWS_WITH(s.get_int("empty", 0), Equals("t.cfg:3: [deconvolutional] empty='' is not an integer"));
}

TEST_CASE("cfg: get_int_list splits on commas, every element an int", "[cfg]") {
  const Section s = section_of("layers=-1, 4\none=5\nmany=1,-3,+4,0\n", "route");
  CHECK(s.get_int_list("layers") == std::vector<int>{-1, 4});
  CHECK(s.get_int_list("one") == std::vector<int>{5});
  CHECK(s.get_int_list("many") == std::vector<int>{1, -3, 4, 0});
  CHECK(s.value_warnings().empty());
  // atoi per element, as Darknet's route parser: trailing text ignored with a warning.
  const Section lenient = section_of("layers=1;2\nmore=-1,61#from-yolo\n", "route");
  CHECK(lenient.get_int_list("layers") == std::vector<int>{1});
  CHECK(lenient.get_int_list("more") == std::vector<int>{-1, 61});
  REQUIRE(lenient.value_warnings().size() == 2);
  CHECK_THAT(lenient.value_warnings()[1], Contains("more='-1,61#from-yolo'") && Contains("element 2 = 61") &&
                                              Contains("'#from-yolo' ignored"));
  CHECK_THROWS_WITH(s.get_int_list("absent"), Equals("t.cfg:1: [route] needs 'absent' (a list of integers)"));

  struct Bad {
    const char* value;
    const char* why;
  };
  const Bad bads[] = {
      {"-1,,2", "element 2 ('') is not an integer"},
      {"1,", "element 2 ('') is not an integer"},
      {",1", "element 1 ('') is not an integer"},
      {"", "element 1 ('') is not an integer"},
      {"1,a", "element 2 ('a') is not an integer"},
      {"0,3000000000", "element 2 ('3000000000') is out of the int range"},
  };
  for (const Bad& b : bads) {
    INFO("value '" << b.value << "'");
    const Section r = section_of(std::string("layers=") + b.value + "\n", "route");
    CHECK_THROWS_WITH(r.get_int_list("layers"),
                      StartsWith(std::string("t.cfg:2: [route] layers='") + b.value + "' " + b.why));
  }
}

TEST_CASE("cfg: getters mark options used, has() does not, and unused() keeps file order", "[cfg]") {
  const Section s = section_of("filters=8\nsize=4\nstride=2\nactivation=relu\nlayers=1,2\nlr=0.1\n");
  CHECK(keys(s.unused()) == std::vector<std::string>{"filters", "size", "stride", "activation", "layers", "lr"});
  CHECK(s.has("size"));
  CHECK_FALSE(s.has("pad"));
  CHECK(keys(s.unused()).size() == 6);  // has() reads nothing
  s.get_int("size", 0);
  s.get_int("pad", 0);  // absent: nothing to mark, nothing added
  CHECK(keys(s.unused()) == std::vector<std::string>{"filters", "stride", "activation", "layers", "lr"});
  s.require_int("filters");
  s.get_string("activation", "");
  s.get_int_list("layers");
  s.get_float("lr", 0);
  const std::vector<const Option*> left = s.unused();
  REQUIRE(left.size() == 1);
  CHECK(left[0]->key == "stride");
  CHECK(left[0]->value == "2");
  CHECK(left[0]->line == 4);
  s.get_int("stride", 1);
  CHECK(s.unused().empty());
}

TEST_CASE("cfg: a duplicate key warns and the first occurrence is used", "[cfg]") {
  const Cfg c = parse_cfg_text(
      "[net]\n"
      "width=64\n"
      "[deconvolutional]\n"
      "size=4\n"
      "filters=8\n"
      "size=3\n"
      "size = 5\n"
      "[deconvolutional]\n"
      "size=2\n",  // same key in another section: no warning
      "dup.cfg");
  CHECK(c.warnings == std::vector<std::string>{
                          "dup.cfg:6: duplicate key 'size' in [deconvolutional] (first at line 4 is used)",
                          "dup.cfg:7: duplicate key 'size' in [deconvolutional] (first at line 4 is used)"});
  const Section& d = c.sections[1];
  CHECK(d.options.size() == 4);  // all are kept
  CHECK(d.get_int("size", 0) == 4);
  CHECK(d.get_string("size", "") == "4");
  CHECK(d.where("size") == "dup.cfg:4");
  // The ignored copies were never read: unused() reports them, as Darknet's option_unused does.
  d.get_int("filters", 0);
  const std::vector<const Option*> left = d.unused();
  REQUIRE(left.size() == 2);
  CHECK(left[0]->line == 6);
  CHECK(left[1]->line == 7);
  CHECK(c.sections[2].get_int("size", 0) == 2);
}

TEST_CASE("cfg: where() points at the header, where(key) at the key", "[cfg]") {
  const Cfg c = parse_cfg_text("[net]\nwidth=1\n\n\n[convolutional]\nsize=3\n\ndilation=2\n", "dir/model.cfg");
  const Section& s = c.sections[1];
  CHECK(s.where() == "dir/model.cfg:5 [convolutional]");
  CHECK(s.where("size") == "dir/model.cfg:6");
  CHECK(s.where("dilation") == "dir/model.cfg:8");
  CHECK(s.where("absent") == "dir/model.cfg:5");
  CHECK(c.sections[0].where() == "dir/model.cfg:1 [net]");
}

TEST_CASE("cfg: sections may be empty, and the last line needs no newline", "[cfg]") {
  const Cfg c = parse_cfg_text("[net]\n[deconvolutional]\n\n[route]\nlayers=-1", "e.cfg");
  REQUIRE(c.sections.size() == 3);
  CHECK(c.sections[0].options.empty());
  CHECK(c.sections[1].options.empty());
  CHECK(c.sections[1].unused().empty());
  CHECK(c.sections[2].get_int_list("layers") == std::vector<int>{-1});
  CHECK(c.sections[2].options[0].line == 5);
}

TEST_CASE("cfg: CRLF line endings read like LF", "[cfg]") {
  const std::string lf =
      "# dcgan\n[net]\nwidth = 1\nchannels=100\n\n[deconvolutional]\nactivation=tanh\nlayers=-1, 2\n";
  std::string crlf;
  for (char ch : lf) crlf += ch == '\n' ? std::string("\r\n") : std::string(1, ch);
  const Cfg a = parse_cfg_text(lf, "lf.cfg");
  const Cfg b = parse_cfg_text(crlf, "crlf.cfg");
  REQUIRE(a.sections.size() == b.sections.size());
  for (size_t i = 0; i < a.sections.size(); ++i) {
    CHECK(a.sections[i].type == b.sections[i].type);
    CHECK(a.sections[i].line == b.sections[i].line);
    REQUIRE(a.sections[i].options.size() == b.sections[i].options.size());
    for (size_t j = 0; j < a.sections[i].options.size(); ++j) {
      CHECK(a.sections[i].options[j].key == b.sections[i].options[j].key);
      CHECK(a.sections[i].options[j].value == b.sections[i].options[j].value);  // no '\r' left
      CHECK(a.sections[i].options[j].line == b.sections[i].options[j].line);
    }
  }
  CHECK(b.sections[1].get_string("activation", "") == "tanh");
  CHECK(b.sections[1].get_int_list("layers") == std::vector<int>{-1, 2});
  // Error lines are counted the same way.
  CHECK_THROWS_WITH(parse_cfg_text("[net]\r\nwidth=1\r\nheight 1\r\n", "crlf.cfg"),
                    Equals("crlf.cfg:3: expected key=value, got 'height 1'"));
  // A UTF-8 byte-order mark (Windows editors) does not hide the first header.
  const Cfg bom = parse_cfg_text("\xEF\xBB\xBF[net]\r\nwidth=2\r\n", "bom.cfg");
  CHECK(bom.sections[0].type == "net");
  CHECK(bom.sections[0].get_int("width", 0) == 2);
}

TEST_CASE("cfg: malformed files name the file and the exact line", "[cfg]") {
  enum class Read { parse, get_int, require_int, get_float, get_int_list };
  struct Case {
    const char* file;
    Read read;
    size_t section;
    const char* key;
    int line;
    const char* what;  // the message after "FILE:LINE: "
  };
  const Case cases[] = {
      {"option_before_section.cfg", Read::parse, 0, "", 3, "option 'batch' before any [section]"},
      {"missing_bracket.cfg", Read::parse, 0, "", 4, "section header '[deconvolutional' does not end with ']'"},
      {"empty_section_name.cfg", Read::parse, 0, "", 3, "empty section name '[]'"},
      {"no_equals.cfg", Read::parse, 0, "", 4, "expected key=value, got 'height 1'"},
      {"empty_key.cfg", Read::parse, 0, "", 3, "empty key in '= 3'"},
      {"bad_int.cfg", Read::get_int, 1, "size", 5, "[deconvolutional] size='x3' is not an integer"},
      {"int_overflow.cfg", Read::require_int, 1, "filters", 4,
       "[deconvolutional] filters='2147483648' is out of the int range"},
      {"bad_float.cfg", Read::get_float, 0, "learning_rate", 3, "[net] learning_rate=',001' is not a number"},
      {"bad_int_list.cfg", Read::get_int_list, 2, "layers", 7,
       "[route] layers='-1,,2' element 2 ('') is not an integer"},
      {"trailing_comment.cfg", Read::get_int, 1, "size", 4,
       "[deconvolutional] size='#4kernelsize' is not an integer (a comment after a value is part of the value)"},
  };
  for (const Case& k : cases) {
    const std::string path = kDir + "bad/" + k.file;
    const std::string want = path + ":" + std::to_string(k.line) + ": " + k.what;
    INFO(k.file);
    try {
      const Cfg c = parse_cfg_file(path);
      REQUIRE(k.read != Read::parse);  // a parse-error file must not parse
      REQUIRE(c.sections.size() > k.section);
      const Section& s = c.sections[k.section];
      switch (k.read) {
        case Read::get_int: s.get_int(k.key, 0); break;
        case Read::require_int: s.require_int(k.key); break;
        case Read::get_float: s.get_float(k.key, 0); break;
        case Read::get_int_list: s.get_int_list(k.key); break;
        case Read::parse: break;
      }
      FAIL("no CfgError; expected: " << want);
    } catch (const CfgError& e) {
      CHECK_THAT(e.what(), Contains(path + ":" + std::to_string(k.line) + ": "));
      CHECK_THAT(e.what(), Equals(want));
    }
  }
  // A missing required key points at the section header.
  const Cfg c = parse_cfg_file(kDir + "bad/missing_required.cfg");
  CHECK_THROWS_WITH(c.sections[1].require_int("filters"),
                    Equals(kDir + "bad/missing_required.cfg:3: [deconvolutional] needs 'filters' (an integer)"));
}

TEST_CASE("cfg: header and key-line errors in text", "[cfg]") {
  CHECK_THROWS_WITH(parse_cfg_text("[net\n", "h.cfg"), Equals("h.cfg:1: section header '[net' does not end with ']'"));
  CHECK_THROWS_WITH(parse_cfg_text("[\n", "h.cfg"), Equals("h.cfg:1: section header '[' does not end with ']'"));
  CHECK_THROWS_WITH(parse_cfg_text("[net]]\n", "h.cfg"), Equals("h.cfg:1: bad section header '[net]]'"));
  CHECK_THROWS_WITH(parse_cfg_text("[net]\n[[x]\n", "h.cfg"), Equals("h.cfg:2: bad section header '[[x]'"));
  CHECK_THROWS_WITH(parse_cfg_text("[net]\n[net] # c\n", "h.cfg"),
                    Equals("h.cfg:2: section header '[net] # c' does not end with ']'"));
  CHECK_THROWS_WITH(parse_cfg_text("[net]\n[]\n", "h.cfg"), Equals("h.cfg:2: empty section name '[]'"));
  CHECK_THROWS_WITH(parse_cfg_text("[net]\nwidth\n", "h.cfg"), Equals("h.cfg:2: expected key=value, got 'width'"));
  CHECK_THROWS_WITH(parse_cfg_text("[net]\n=\n", "h.cfg"), Equals("h.cfg:2: empty key in '='"));
  CHECK_THROWS_WITH(parse_cfg_text("width=1\n[net]\n", "h.cfg"),
                    Equals("h.cfg:1: option 'width' before any [section]"));
  CHECK_THROWS_AS(parse_cfg_text("[net]\nx y\n", "h.cfg"), CfgError);
}

TEST_CASE("cfg: unreadable, empty and section-less files", "[cfg]") {
  const std::string missing = kDir + "no_such_file.cfg";
  CHECK_THROWS_WITH(parse_cfg_file(missing), Equals(missing + ": cannot read (No such file or directory)"));
  const std::string dir = kDir + "bad";  // fopen succeeds on a directory on Linux; reading fails
  CHECK_THROWS_WITH(parse_cfg_file(dir), StartsWith(dir + ": cannot read (") && Contains("directory"));
  CHECK_THROWS_WITH(parse_cfg_file(kDir + "empty.cfg"), Equals(kDir + "empty.cfg: no sections"));
  CHECK_THROWS_WITH(parse_cfg_file(kDir + "comments_only.cfg"), Equals(kDir + "comments_only.cfg: no sections"));
  CHECK_THROWS_WITH(parse_cfg_text("", "x.cfg"), Equals("x.cfg: no sections"));
  CHECK_THROWS_WITH(parse_cfg_text("\n\n  \r\n", "x.cfg"), Equals("x.cfg: no sections"));
}

TEST_CASE("cfg: CfgError is a std::runtime_error", "[cfg]") {
  CHECK_THROWS_AS(parse_cfg_text("", "x.cfg"), std::runtime_error);
}
