// Classifies 28x28 grayscale images with a LeNet-5 through the cnnc C++
// wrapper (cnnc/cnnc.hpp), as classify.c does through the C API.
#include <algorithm>
#include <cnnc/cnnc.hpp>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  if (argc < 4) {
    std::cerr << "usage: classify_cpp MODEL.cnn WEIGHTS.safetensors|- IMAGE.f32...\n";
    return 2;
  }
  try {
    cnnc_model_options options;
    cnnc_model_options_init(&options);
    options.backend = "halide";
    options.init = "he";
    options.seed = 1;
    const std::string weights = std::string(argv[2]) == "-" ? "" : argv[2];
    cnnc::Model model(argv[1], weights, &options);
    cnnc::Session session(model);
    for (int i = 3; i < argc; ++i) {
      std::vector<float> pixels(784);
      std::ifstream in(argv[i], std::ios::binary);
      if (!in.read(reinterpret_cast<char*>(pixels.data()), 784 * sizeof(float))) {
        std::cerr << "classify_cpp: " << argv[i] << ": cannot read 784 float32 pixels\n";
        return 1;
      }
      const auto out = session.run({{pixels.data(), {1, 1, 28, 28}}});
      const auto& scores = out.at(0).values;
      const auto best = std::max_element(scores.begin(), scores.end()) - scores.begin();
      std::printf("%s: class %d score %.6f\n", argv[i], static_cast<int>(best), scores[best]);
    }
  } catch (const cnnc::Error& e) {
    std::cerr << "classify_cpp: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
