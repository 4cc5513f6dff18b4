// The verbs that read or write pictures (OpenCV codecs through image_io.h):
// generate (DCGAN samples as a PNG grid) and segment (class map and overlay).
#pragma once

namespace huge2::cli {

int verb_generate(int argc, char** argv);
int verb_segment(int argc, char** argv);

}  // namespace huge2::cli
