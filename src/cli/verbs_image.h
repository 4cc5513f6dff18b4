// The verbs that read or write pictures (OpenCV codecs through image_io.h):
// generate (DCGAN samples as a PNG grid), segment (class map and overlay) and
// detect (YOLO boxes drawn into the image).
#pragma once

namespace huge2::cli {

int verb_generate(int argc, char** argv);
int verb_segment(int argc, char** argv);
int verb_detect(int argc, char** argv);

}  // namespace huge2::cli
