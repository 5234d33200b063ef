// What the C++ examples share: each 28x28 float32 image file through a
// cnnc::Session, its top class and score printed (as classify_images.h does
// for the C ones). Header-only so that each example stays one file to compile.
#pragma once

#include <algorithm>
#include <cnnc/cnnc.hpp>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <vector>

// Returns 0, or 1 after printing why a file could not be read; a failed
// run throws cnnc::Error.
inline int classify_images(const char* program, cnnc::Session& session, char** paths, int count) {
  for (int i = 0; i < count; ++i) {
    std::vector<float> pixels(784);
    std::ifstream in(paths[i], std::ios::binary);
    if (!in.read(reinterpret_cast<char*>(pixels.data()), 784 * sizeof(float))) {
      std::cerr << program << ": " << paths[i] << ": cannot read 784 float32 pixels\n";
      return 1;
    }
    const auto out = session.run({{pixels.data(), {1, 1, 28, 28}}});
    const auto& scores = out.at(0).values;
    const auto best = std::max_element(scores.begin(), scores.end()) - scores.begin();
    std::printf("%s: class %d score %.6f\n", paths[i], static_cast<int>(best), scores[best]);
  }
  return 0;
}
