// Classifies 28x28 grayscale images with a LeNet-5 through the cnnc C++
// wrapper (cnnc/cnnc.hpp), as classify.c does through the C API.
#include <cnnc/cnnc.hpp>
#include <iostream>
#include <string>

#include "classify_images.hpp"

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
    return classify_images("classify_cpp", session, argv + 3, argc - 3);
  } catch (const cnnc::Error& e) {
    std::cerr << "classify_cpp: " << e.what() << "\n";
    return 1;
  }
}
