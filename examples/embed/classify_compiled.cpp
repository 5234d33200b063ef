// Classifies 28x28 grayscale images with a LeNet-5 compiled into this
// program (cnnc_compile_model in CMakeLists.txt), through the C++ wrapper:
// cnnc::Model built from the library's descriptor, then sessions as for a
// .cnn file.
//
//   classify_compiled_cpp IMAGE.f32...
//
// Prints what classify_compiled prints.
#include <cnnc/cnnc.hpp>
#include <iostream>

#include "classify_images.hpp"
#include "lenet.h"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: classify_compiled_cpp IMAGE.f32...\n";
    return 2;
  }
  try {
    const cnnc::Model model(lenet_compiled);
    cnnc::Session session(model);
    return classify_images("classify_compiled_cpp", session, argv + 1, argc - 1);
  } catch (const cnnc::Error& e) {
    std::cerr << "classify_compiled_cpp: " << e.what() << "\n";
    return 1;
  }
}
