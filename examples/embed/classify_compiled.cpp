// Classifies 28x28 grayscale images with a LeNet-5 compiled into this
// program (cnnc_compile_model in CMakeLists.txt), through the C++ wrapper:
// cnnc::Model built from the library's descriptor, then sessions as for a
// .cnn file.
//
//   classify_compiled_cpp IMAGE.f32...
//
// Prints what classify_compiled prints.
#include <algorithm>
#include <cnnc/cnnc.hpp>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <vector>

#include "lenet.h"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: classify_compiled_cpp IMAGE.f32...\n";
    return 2;
  }
  try {
    const cnnc::Model model(lenet_compiled);
    cnnc::Session session(model);
    for (int i = 1; i < argc; ++i) {
      std::vector<float> pixels(LENET_INPUT0_SIZE);
      std::ifstream in(argv[i], std::ios::binary);
      if (!in.read(reinterpret_cast<char*>(pixels.data()), pixels.size() * sizeof(float))) {
        std::cerr << "classify_compiled_cpp: " << argv[i] << ": cannot read " << LENET_INPUT0_SIZE
                  << " float32 pixels\n";
        return 1;
      }
      const auto out = session.run({{pixels.data(), {1, 1, 28, 28}}});
      const auto& scores = out.at(0).values;
      const auto best = std::max_element(scores.begin(), scores.end()) - scores.begin();
      std::printf("%s: class %d score %.6f\n", argv[i], static_cast<int>(best), scores[best]);
    }
  } catch (const cnnc::Error& e) {
    std::cerr << "classify_compiled_cpp: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
