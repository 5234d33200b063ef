/* Classifies 28x28 grayscale images with a LeNet-5 through the cnnc C API.
 *
 *   classify MODEL.cnn WEIGHTS.safetensors IMAGE.f32...
 *
 * An image file holds 784 float32 pixels in [0, 1], row by row (what
 * `cnnc run --output` and numpy's tofile() write); WEIGHTS may be "-" to
 * start from He-initialized weights (seed 1). Prints each image's class and
 * score; exits 1 with the library's message on any error. */
#include <cnnc/cnnc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classify_images.h"

static int fail(const char* what, const char* message) {
  fprintf(stderr, "classify: %s: %s\n", what, message);
  return 1;
}

int main(int argc, char** argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: classify MODEL.cnn WEIGHTS.safetensors|- IMAGE.f32...\n");
    return 2;
  }
  cnnc_model_options options;
  cnnc_model_options_init(&options);
  options.backend = "halide";
  options.init = "he";
  options.seed = 1;
  const char* weights = strcmp(argv[2], "-") == 0 ? NULL : argv[2];
  cnnc_model* model = NULL;
  if (cnnc_model_load(argv[1], weights, &options, &model) != CNNC_OK)
    return fail(argv[1], cnnc_last_error(NULL));
  cnnc_session* session = NULL;
  if (cnnc_session_create(model, &session) != CNNC_OK) {
    cnnc_model_destroy(model);
    return fail("session", cnnc_last_error(NULL));
  }
  const int status = classify_images("classify", session, argv + 3, argc - 3);
  cnnc_session_destroy(session);
  cnnc_model_destroy(model);
  return status;
}
