// Images in and out of the networks, the way Darknet sees them: float planes
// (CHW) in [0,1], RGB order, resized with Darknet's two-pass bilinear
// resize_image. OpenCV is used for the codecs (PNG, JPEG, BMP, ...) only;
// the pixel arithmetic is ours.
#pragma once
#include <cstddef>
#include <stdexcept>
#include <cstdint>
#include <string>
#include <vector>

namespace huge2 {

// An unreadable or unwritable image; the message names the file.
class ImageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// One image, planar: data[(k * h + y) * w + x] is channel k of pixel (x, y).
struct Image {
  int w = 0, h = 0, c = 0;
  std::vector<float> data;

  Image() = default;
  Image(int w_, int h_, int c_) : w(w_), h(h_), c(c_), data(size_t(w_) * h_ * c_, 0.f) {}
  size_t size() const { return data.size(); }
  float& at(int k, int y, int x) { return data[(size_t(k) * h + y) * w + x]; }
  float at(int k, int y, int x) const { return data[(size_t(k) * h + y) * w + x]; }
};

// Reads any image OpenCV can decode. channels 3: RGB (a grey file is
// replicated, alpha is dropped); channels 1: grey, from 8-bit RGB as
// (77 R + 150 G + 29 B) >> 8, the luma Darknet's image loader uses. Values are
// byte / 255. The EXIF orientation is ignored, as Darknet ignores it.
// Throws ImageError naming the file when it cannot be read or decoded, and
// std::invalid_argument for channels other than 1 or 3. Images of more than
// max_pixels (by their header where huge2 can read it, PNG, JPEG and BMP,
// before decoding; else after) are refused with an ImageError.
constexpr uint64_t kMaxImagePixels = uint64_t(1) << 28;  // 16384 x 16384
// The largest image file read: an uncompressed 16384 x 16384 BMP (4 bytes a
// pixel) and its headers. Larger files are refused by their size, unread.
constexpr uint64_t kMaxImageFileBytes = (uint64_t(4) << 28) + (uint64_t(1) << 20);
// max_bytes (0: no limit) bounds the memory decoding takes, kImageBytesPerPixel
// a pixel (issue 21: a 783 KB PNG of 16384 x 16384 took 4 GB under
// --max-memory 100M); checked by the header before decoding where it can be.
constexpr uint64_t kImageBytesPerPixel = 3 + 2 * 3 * sizeof(float);  // 8-bit BGR, floats, a resize's copy
Image load_image(const std::string& path, int channels, uint64_t max_pixels = kMaxImagePixels, uint64_t max_bytes = 0);

// Darknet's resize_image: bilinear, first along x into a w x im.h image, then
// along y. Scale (im.w - 1) / (w - 1) (0 when w is 1); the last output column
// (and every column when im.w is 1) is the source's last column; likewise for
// rows. Works for any number of channels; w and h must be >= 1.
Image resize_darknet(const Image& im, int w, int h);

// Writes planar float data (c = 1 grey, 3 RGB, 4 RGBA) as an 8-bit PNG,
// whatever the path's extension: [lo, hi] maps to [0, 255], rounded, values
// outside are clamped. Throws ImageError naming the file on failure.
void save_image_png(const std::string& path, const float* chw, int c, int h, int w, float lo = 0.f,
                    float hi = 1.f);
inline void save_image_png(const std::string& path, const Image& im, float lo = 0.f, float hi = 1.f) {
  save_image_png(path, im.data.data(), im.c, im.h, im.w, lo, hi);
}

// True when the path ends in .png, .jpg, .jpeg or .bmp (any case): the inputs
// the command line treats as images.
bool is_image_path(const std::string& path);

}  // namespace huge2
