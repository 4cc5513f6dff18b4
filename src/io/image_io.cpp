#include "image_io.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include "input_file.h"
#include "memory_budget.h"
#include "output_file.h"

namespace huge2 {

namespace {

// The whole file, at most kMaxImageFileBytes (input_file.h: a directory,
// an endless stream or a 3 GB sparse file is refused, unread), or ImageError
// naming it and the reason.
std::string read_bytes(const std::string& path) {
  std::string bytes;
  try {
    bytes = read_file_bounded(path, kMaxImageFileBytes, "an image");
  } catch (const InputError& e) {
    throw ImageError(e.what());
  }
  if (bytes.empty()) throw ImageError("cannot read image '" + path + "': the file is empty");
  return bytes;
}

uint32_t be32(const unsigned char* p) { return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3]; }
uint16_t be16(const unsigned char* p) { return uint16_t(p[0] << 8 | p[1]); }
int32_t le32(const unsigned char* p) {
  return int32_t(uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24);
}

// Width and height from a PNG, BMP or JPEG header without decoding; false
// when the format is another or the header is cut (OpenCV then decides).
bool header_size(const std::string& bytes, uint64_t& w, uint64_t& h) {
  const auto* b = reinterpret_cast<const unsigned char*>(bytes.data());
  const size_t n = bytes.size();
  if (n >= 24 && !std::memcmp(b, "\x89PNG\r\n\x1a\n", 8)) {
    w = be32(&b[16]), h = be32(&b[20]);
    return true;
  }
  if (n >= 26 && b[0] == 'B' && b[1] == 'M') {
    const int32_t bw = le32(&b[18]), bh = le32(&b[22]);  // negative height: top-down rows
    w = uint64_t(bw < 0 ? -int64_t(bw) : bw), h = uint64_t(bh < 0 ? -int64_t(bh) : bh);
    return true;
  }
  if (n >= 4 && b[0] == 0xFF && b[1] == 0xD8) {  // JPEG: walk the segments to a start-of-frame
    size_t i = 2;
    while (i + 9 < n) {
      // Bytes that are not a marker are skipped, as libjpeg skips them (with
      // its "extraneous bytes" warning): the frame it then finds is the one
      // it decodes, so it is the one to check.
      if (b[i] != 0xFF) { ++i; continue; }
      const unsigned char marker = b[i + 1];
      if (marker == 0xFF || marker == 0x00) { ++i; continue; }
      if (marker == 0xDA) return false;  // scan data before any frame header
      const bool sof = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
      if (sof) {
        h = be16(&b[i + 5]), w = be16(&b[i + 7]);
        return true;
      }
      if (marker == 0xD8 || (marker >= 0xD0 && marker <= 0xD7) || marker == 0x01) { i += 2; continue; }
      i += 2 + be16(&b[i + 2]);
    }
  }
  return false;
}

// Decodes to 8-bit, 3 channels, B G R interleaved (OpenCV's order).
// Beyond the limit OpenCV stops with an assertion text, or decodes a few
// hundred bytes of JPEG into gigabytes of floats.
[[noreturn]] void too_large(const std::string& path, uint64_t w, uint64_t h, uint64_t max_pixels) {
  throw ImageError("cannot decode image '" + path + "': it is " + std::to_string(w) + " x " + std::to_string(h) +
                   " pixels; huge2 reads images of 1 to " + std::to_string(max_pixels) + " pixels" +
                   (max_pixels == kMaxImagePixels ? " (16384 x 16384)" : ""));
}

[[noreturn]] void over_budget(const std::string& path, uint64_t w, uint64_t h, uint64_t max_bytes) {
  throw ImageError("cannot decode image '" + path + "': " + std::to_string(w) + " x " + std::to_string(h) +
                   " pixels take " + format_bytes(w * h * kImageBytesPerPixel) + " decoded, more than the " +
                   format_bytes(max_bytes) + " the memory budget (--max-memory, else MemAvailable) leaves after the network");
}

cv::Mat decode_bgr(const std::string& path, uint64_t max_pixels, uint64_t max_bytes) {
  const std::string bytes = read_bytes(path);
  uint64_t w = 0, h = 0;
  if (header_size(bytes, w, h) && (w == 0 || h == 0 || w * h > max_pixels)) too_large(path, w, h, max_pixels);
  if (max_bytes && w * h * kImageBytesPerPixel > max_bytes) over_budget(path, w, h, max_bytes);
  cv::Mat m;
  try {
    // A view of the bytes, not a copy: they may be a gigabyte.
    const cv::Mat raw(1, int(bytes.size()), CV_8U, const_cast<char*>(bytes.data()));
    m = cv::imdecode(raw, cv::IMREAD_COLOR | cv::IMREAD_IGNORE_ORIENTATION);
  } catch (const cv::Exception& e) {
    // e.what() is OpenCV's multi-line assertion dump; its one-line reason is e.err.
    throw ImageError("cannot decode image '" + path + "': corrupt or unsupported (" + e.err + ")");
  }
  if (m.empty() || m.type() != CV_8UC3)
    throw ImageError("cannot decode image '" + path + "': not an image format OpenCV can read (" +
                     std::to_string(bytes.size()) + " bytes)");
  if (uint64_t(m.cols) * uint64_t(m.rows) > max_pixels) too_large(path, uint64_t(m.cols), uint64_t(m.rows), max_pixels);
  if (max_bytes && uint64_t(m.cols) * uint64_t(m.rows) * kImageBytesPerPixel > max_bytes)
    over_budget(path, uint64_t(m.cols), uint64_t(m.rows), max_bytes);
  return m;
}

}  // namespace

Image load_image(const std::string& path, int channels, uint64_t max_pixels, uint64_t max_bytes) {
  if (channels != 1 && channels != 3)
    throw std::invalid_argument("load_image('" + path + "'): channels must be 1 or 3, got " +
                                std::to_string(channels));
  const cv::Mat m = decode_bgr(path, max_pixels, max_bytes);
  Image im(m.cols, m.rows, channels);
  const size_t plane = size_t(im.w) * im.h;
  for (int y = 0; y < im.h; ++y) {
    const unsigned char* row = m.ptr<unsigned char>(y);
    for (int x = 0; x < im.w; ++x) {
      const unsigned b = row[3 * x], g = row[3 * x + 1], r = row[3 * x + 2];
      const size_t i = size_t(y) * im.w + x;
      if (channels == 3) {
        im.data[i] = float(r) / 255.f;
        im.data[plane + i] = float(g) / 255.f;
        im.data[2 * plane + i] = float(b) / 255.f;
      } else {
        im.data[i] = float((77 * r + 150 * g + 29 * b) >> 8) / 255.f;
      }
    }
  }
  return im;
}

Image resize_darknet(const Image& im, int w, int h) {
  if (w < 1 || h < 1)
    throw std::invalid_argument("resize_darknet: target size " + std::to_string(w) + " x " + std::to_string(h) +
                                " must be at least 1 x 1");
  if (im.w < 1 || im.h < 1 || im.c < 1 || im.size() != size_t(im.w) * im.h * im.c)
    throw std::invalid_argument("resize_darknet: empty or inconsistent source image");
  const float w_scale = w == 1 ? 0.f : float(im.w - 1) / float(w - 1);
  const float h_scale = h == 1 ? 0.f : float(im.h - 1) / float(h - 1);

  // Pass 1, along x: im.w x im.h -> w x im.h.
  Image part(w, im.h, im.c);
  for (int k = 0; k < im.c; ++k)
    for (int r = 0; r < im.h; ++r)
      for (int c = 0; c < w; ++c) {
        float v;
        if (c == w - 1 || im.w == 1) {
          v = im.at(k, r, im.w - 1);
        } else {
          const float sx = float(c) * w_scale;
          const int ix = int(sx);  // sx >= 0: truncation is floor
          const float dx = sx - float(ix);
          v = (1.f - dx) * im.at(k, r, ix) + dx * im.at(k, r, ix + 1);
        }
        part.at(k, r, c) = v;
      }

  // Pass 2, along y: w x im.h -> w x h.
  Image out(w, h, im.c);
  for (int k = 0; k < im.c; ++k)
    for (int r = 0; r < h; ++r) {
      if (r == h - 1 || im.h == 1) {
        for (int c = 0; c < w; ++c) out.at(k, r, c) = part.at(k, im.h - 1, c);
        continue;
      }
      const float sy = float(r) * h_scale;
      const int iy = int(sy);
      const float dy = sy - float(iy);
      for (int c = 0; c < w; ++c) out.at(k, r, c) = (1.f - dy) * part.at(k, iy, c) + dy * part.at(k, iy + 1, c);
    }
  return out;
}

void save_image_png(const std::string& path, const float* chw, int c, int h, int w, float lo, float hi) {
  if (!chw || w < 1 || h < 1)
    throw ImageError("cannot write image '" + path + "': empty image (" + std::to_string(w) + " x " +
                     std::to_string(h) + ")");
  if (c != 1 && c != 3 && c != 4)
    throw ImageError("cannot write image '" + path + "': " + std::to_string(c) +
                     " channels (PNG takes 1, 3 or 4)");
  if (!(hi > lo) || !std::isfinite(lo) || !std::isfinite(hi))
    throw std::invalid_argument("save_image_png('" + path + "'): need finite lo < hi");
  const float scale = 255.f / (hi - lo);
  // OpenCV stores colour as B G R (A): channel k of ours goes to slot perm[k].
  const int perm3[3] = {2, 1, 0}, perm4[4] = {2, 1, 0, 3}, perm1[1] = {0};
  const int* perm = c == 3 ? perm3 : c == 4 ? perm4 : perm1;
  cv::Mat m(h, w, CV_8UC(c));
  const size_t plane = size_t(w) * h;
  for (int y = 0; y < h; ++y) {
    unsigned char* row = m.ptr<unsigned char>(y);
    for (int x = 0; x < w; ++x)
      for (int k = 0; k < c; ++k) {
        float v = (chw[k * plane + size_t(y) * w + x] - lo) * scale;
        if (!(v >= 0.f)) v = 0.f;  // also NaN
        if (v > 255.f) v = 255.f;
        row[c * x + perm[k]] = static_cast<unsigned char>(std::lround(v));
      }
  }
  std::vector<unsigned char> png;
  try {
    if (!cv::imencode(".png", m, png)) throw ImageError("cannot write image '" + path + "': PNG encoding failed");
  } catch (const cv::Exception& e) {
    throw ImageError("cannot write image '" + path + "': " + e.err);
  }
  try {
    write_file_atomically(path, png.data(), png.size());
  } catch (const OutputError& e) {
    throw ImageError(std::string("cannot write image: ") + e.what());  // this file's error type, as documented
  }
}

bool is_image_path(const std::string& path) {
  const size_t dot = path.find_last_of('.');
  if (dot == std::string::npos || path.find('/', dot) != std::string::npos) return false;
  std::string ext = path.substr(dot + 1);
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char ch) { return char(std::tolower(ch)); });
  return ext == "png" || ext == "jpg" || ext == "jpeg" || ext == "bmp";
}

}  // namespace huge2
