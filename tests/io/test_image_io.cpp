// Images: Darknet's two-pass bilinear resize against values worked out by
// hand, PNG/PPM load and save (RGB order, grey luma, [lo,hi] mapping,
// errors naming the file), and the segmentation helpers (argmax, palette,
// overlay, histogram).
#include <catch2/catch.hpp>

#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "image_io.h"
#include "segmentation.h"
#include "temp_file.h"

using namespace huge2;
using Catch::Contains;

namespace {

// A single-channel image from rows of values.
Image grey(int w, int h, const std::vector<float>& v) {
  REQUIRE(v.size() == size_t(w) * h);
  Image im(w, h, 1);
  im.data = v;
  return im;
}

// A scratch file name unique to this process and test (CTest runs cases in
// parallel), removed with the guard.
test::TempFile scratch(const std::string& name) { return test::TempFile("img-" + name); }

void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream f(path, std::ios::binary);
  f << bytes;
}

}  // namespace

TEST_CASE("resize_darknet 2x2 -> 3x3: midpoints", "[image]") {
  // Scale (2-1)/(3-1) = 0.5 both ways: column 1 is the mean of columns 0 and 1,
  // column 2 the last source column; likewise for rows.
  const Image r = resize_darknet(grey(2, 2, {0, 1, 2, 3}), 3, 3);
  REQUIRE(r.w == 3);
  REQUIRE(r.h == 3);
  REQUIRE(r.c == 1);
  CHECK(r.data == std::vector<float>{0, 0.5f, 1, 1, 1.5f, 2, 2, 2.5f, 3});
}

TEST_CASE("resize_darknet 3x1 -> 5x1 and back down", "[image]") {
  // Up: scale 2/4 = 0.5: sx = 0, 0.5, 1, 1.5, last.
  CHECK(resize_darknet(grey(3, 1, {0, 1, 4}), 5, 1).data == std::vector<float>{0, 0.5f, 1, 2.5f, 4});
  // Down: scale 4/2 = 2: sx = 0, 2, last.
  CHECK(resize_darknet(grey(5, 1, {0, 1, 2, 3, 8}), 3, 1).data == std::vector<float>{0, 2, 8});
  // Scale 3/2 = 1.5: column 1 is halfway between source columns 1 and 2.
  CHECK(resize_darknet(grey(4, 1, {0, 2, 6, 10}), 3, 1).data == std::vector<float>{0, 4, 10});
  // The same along y (a 1-wide column).
  CHECK(resize_darknet(grey(1, 3, {0, 1, 4}), 1, 5).data == std::vector<float>{0, 0.5f, 1, 2.5f, 4});
}

TEST_CASE("resize_darknet quarter steps and a non-square target", "[image]") {
  // 2x2 -> 5x3: x scale 1/4 (sx = 0, .25, .5, .75, last), y scale 1/2.
  const Image r = resize_darknet(grey(2, 2, {0, 4, 8, 12}), 5, 3);
  CHECK(r.data == std::vector<float>{0, 1, 2, 3, 4,  //
                                     4, 5, 6, 7, 8,  //
                                     8, 9, 10, 11, 12});
}

TEST_CASE("resize_darknet to size 1 takes the last column and row", "[image]") {
  const Image src = grey(3, 2, {1, 2, 3,  //
                                4, 5, 6});
  CHECK(resize_darknet(src, 1, 1).data == std::vector<float>{6});
  CHECK(resize_darknet(src, 1, 2).data == std::vector<float>{3, 6});
  CHECK(resize_darknet(src, 3, 1).data == std::vector<float>{4, 5, 6});
  CHECK(resize_darknet(src, 2, 1).data == std::vector<float>{4, 6});
}

TEST_CASE("resize_darknet from a single pixel, identity, channels apart", "[image]") {
  const Image one = resize_darknet(grey(1, 1, {0.25f}), 4, 3);
  CHECK(one.data == std::vector<float>(12, 0.25f));

  Image src(3, 2, 2);
  for (size_t i = 0; i < src.size(); ++i) src.data[i] = float(i * i) / 7.f;
  CHECK(resize_darknet(src, 3, 2).data == src.data);  // same size: exact copy

  // Two channels, the second the first plus 10: resized independently.
  Image two(2, 2, 2);
  two.data = {0, 1, 2, 3, 10, 11, 12, 13};
  const Image r = resize_darknet(two, 3, 3);
  REQUIRE(r.c == 2);
  CHECK(r.data == std::vector<float>{0, 0.5f, 1, 1, 1.5f, 2, 2, 2.5f, 3,  //
                                     10, 10.5f, 11, 11, 11.5f, 12, 12, 12.5f, 13});
}

TEST_CASE("resize_darknet rejects empty sizes", "[image]") {
  const Image src = grey(2, 2, {0, 1, 2, 3});
  CHECK_THROWS_AS(resize_darknet(src, 0, 3), std::invalid_argument);
  CHECK_THROWS_AS(resize_darknet(src, 3, -1), std::invalid_argument);
  CHECK_THROWS_AS(resize_darknet(Image(), 3, 3), std::invalid_argument);
}

TEST_CASE("PNG round trip: RGB exact, grey, channel order", "[image]") {
  const test::TempFile path_file = scratch("rgb.png");
  const std::string& path = path_file.path;
  Image im(5, 4, 3);
  for (size_t i = 0; i < im.size(); ++i) im.data[i] = float((i * 37) % 256) / 255.f;
  save_image_png(path, im);
  const Image back = load_image(path, 3);
  REQUIRE(back.w == 5);
  REQUIRE(back.h == 4);
  REQUIRE(back.c == 3);
  CHECK(back.data == im.data);

  // Grey from RGB uses Darknet's (stb's) luma: (77 R + 150 G + 29 B) >> 8.
  Image px(1, 1, 3);
  px.data = {200 / 255.f, 100 / 255.f, 50 / 255.f};
  save_image_png(path, px);
  const Image g = load_image(path, 1);
  REQUIRE(g.c == 1);
  CHECK(g.data[0] == float((77 * 200 + 150 * 100 + 29 * 50) >> 8) / 255.f);

  // A grey PNG read as RGB is replicated; read as grey it is itself.
  Image gi(3, 1, 1);
  gi.data = {0, 128 / 255.f, 1};
  save_image_png(path, gi);
  CHECK(load_image(path, 1).data == gi.data);
  CHECK(load_image(path, 3).data == std::vector<float>{0, 128 / 255.f, 1, 0, 128 / 255.f, 1, 0, 128 / 255.f, 1});
}

TEST_CASE("load_image reads RGB order (binary PPM written by hand)", "[image]") {
  // P6 stores R G B; pixel 0 pure red, pixel 1 pure blue.
  const test::TempFile path_file = scratch("order.ppm");
  const std::string& path = path_file.path;
  write_file(path, std::string("P6\n2 1\n255\n") + std::string("\xff\x00\x00\x00\x00\xff", 6));
  const Image im = load_image(path, 3);
  REQUIRE(im.w == 2);
  CHECK(im.data == std::vector<float>{1, 0, 0, 0, 0, 1});  // R plane, G plane, B plane
}

TEST_CASE("save_image_png maps [lo,hi] to [0,255], rounds and clamps", "[image]") {
  const test::TempFile path_file = scratch("range.png");
  const std::string& path = path_file.path;
  const std::vector<float> v = {-1.f, -0.5f, 0.f, 1.f, 2.f, -3.f};
  save_image_png(path, v.data(), 1, 1, 6, -1.f, 1.f);
  const Image back = load_image(path, 1);
  const std::vector<float> want = {0, 64 / 255.f, 128 / 255.f, 1, 1, 0};  // 63.75 -> 64, 127.5 -> 128
  CHECK(back.data == want);
  // Whatever the extension, the bytes are PNG.
  const test::TempFile odd_file = scratch("range.dat");
  const std::string& odd = odd_file.path;
  save_image_png(odd, v.data(), 1, 1, 6, -1.f, 1.f);
  std::ifstream f(odd, std::ios::binary);
  char sig[8] = {};
  f.read(sig, 8);
  CHECK(std::string(sig + 1, 3) == "PNG");
}

TEST_CASE("image errors name the file", "[image]") {
  const std::string missing = scratch("no-such-file.png").path;
  CHECK_THROWS_WITH(load_image(missing, 3), Contains(missing));
  CHECK_THROWS_AS(load_image(missing, 3), ImageError);

  const test::TempFile junk_file = scratch("junk.png");
  const std::string& junk = junk_file.path;
  write_file(junk, "this is not an image\n");
  CHECK_THROWS_WITH(load_image(junk, 3), Contains(junk));
  CHECK_THROWS_AS(load_image(junk, 3), ImageError);

  const test::TempFile empty_file = scratch("empty.jpg");
  const std::string& empty = empty_file.path;
  write_file(empty, "");
  CHECK_THROWS_WITH(load_image(empty, 1), Contains(empty) && Contains("empty"));

  const std::vector<float> px(3, 0.5f);
  const std::string bad_dir = scratch("no-such-dir").path + "/out.png";
  CHECK_THROWS_WITH(save_image_png(bad_dir, px.data(), 3, 1, 1), Contains(bad_dir));
  CHECK_THROWS_AS(save_image_png(bad_dir, px.data(), 3, 1, 1), ImageError);
  CHECK_THROWS_AS(save_image_png(scratch("two.png").path, px.data(), 2, 1, 1), ImageError);
  CHECK_THROWS_AS(load_image(junk, 2), std::invalid_argument);
}

TEST_CASE("is_image_path", "[image]") {
  CHECK(is_image_path("a.png"));
  CHECK(is_image_path("dir/b.JPG"));
  CHECK(is_image_path("c.jpeg"));
  CHECK(is_image_path("d.bmp"));
  CHECK_FALSE(is_image_path("x.npy"));
  CHECK_FALSE(is_image_path("png"));
  CHECK_FALSE(is_image_path("dir.png/x"));
}

TEST_CASE("segmentation: argmax, nearest resize, palette, overlay, histogram", "[image]") {
  // 3 classes over 2x2 pixels; pixel 3 ties classes 1 and 2 (the first wins).
  const std::vector<float> y = {0.9f, 0.1f, 0.2f, 0.0f,   //
                                0.05f, 0.8f, 0.3f, 0.5f,  //
                                0.05f, 0.1f, 0.5f, 0.5f};
  const ClassMap m = argmax_classes(y.data(), 3, 2, 2);
  CHECK(m.cls == std::vector<int>{0, 1, 2, 1});
  const std::vector<float> one = {0.2f, 0.7f};
  CHECK(argmax_classes(one.data(), 1, 1, 2).cls == std::vector<int>{0, 1});

  const ClassMap big = resize_nearest(m, 4, 4);
  CHECK(big.cls == std::vector<int>{0, 0, 1, 1, 0, 0, 1, 1, 2, 2, 1, 1, 2, 2, 1, 1});

  const auto hist = class_histogram(big, 4);
  CHECK(hist == std::vector<double>{0.25, 0.5, 0.25, 0.0});

  CHECK(class_colour(0) == std::array<uint8_t, 3>{128, 64, 128});  // Cityscapes road
  CHECK(class_colour(10) == std::array<uint8_t, 3>{70, 130, 180}); // sky
  CHECK(std::string(cityscapes_name(13)) == "car");
  CHECK(cityscapes_name(19) == nullptr);
  std::set<std::array<uint8_t, 3>> colours;
  for (int k = 0; k < 64; ++k) colours.insert(class_colour(k));
  CHECK(colours.size() == 64);  // distinct

  const Image col = colourise(m);
  REQUIRE(col.c == 3);
  CHECK(col.at(0, 0, 0) == 128 / 255.f);
  CHECK(col.at(2, 0, 0) == 128 / 255.f);

  Image base(2, 2, 1);
  base.data = {1, 1, 0, 0};
  const Image ov = overlay(base, m, 0.25f);
  REQUIRE(ov.c == 3);
  CHECK(ov.at(0, 0, 0) == Approx(0.75f + 0.25f * 128 / 255.f));
  CHECK(ov.at(1, 1, 0) == Approx(0.25f * class_colour(2)[1] / 255.f));
  CHECK_THROWS_AS(overlay(Image(3, 2, 3), m, 0.5f), std::invalid_argument);
}
