/* Classifies 28x28 grayscale images with a LeNet-5 compiled by `cnnc
 * compile` into this program (cnnc_compile_model in CMakeLists.txt), run
 * through the same cnnc C API as a .cnn file: cnnc_model_from_compiled.
 *
 *   classify_compiled IMAGE.f32...
 *
 * Prints what classify prints for the same weights. Built twice: with the
 * model's CPU kernels (lenet), and with it compiled for Vulkan (lenet_vulkan,
 * LENET_VULKAN defined), which runs on the machine's Vulkan device. */
#include <cnnc/cnnc.h>
#include <stdio.h>

#include "classify_images.h"
#ifdef LENET_VULKAN
#include "lenet_vulkan.h"
#define LENET_COMPILED lenet_vulkan_compiled
#else
#include "lenet.h"
#define LENET_COMPILED lenet_compiled
#endif

int main(int argc, char** argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: classify_compiled IMAGE.f32...\n");
    return 2;
  }
  cnnc_model* model = NULL;
  if (cnnc_model_from_compiled(&LENET_COMPILED, &model) != CNNC_OK) {
    fprintf(stderr, "classify_compiled: %s\n", cnnc_last_error(NULL));
    return 1;
  }
  cnnc_session* session = NULL;
  if (cnnc_session_create(model, &session) != CNNC_OK) {
    fprintf(stderr, "classify_compiled: %s\n", cnnc_last_error(NULL));
    cnnc_model_destroy(model);
    return 1;
  }
  const int status = classify_images("classify_compiled", session, argv + 1, argc - 1);
  cnnc_session_destroy(session);
  cnnc_model_destroy(model);
  return status;
}
