/* Classifies 28x28 grayscale images with a LeNet-5 compiled by `cnnc
 * compile` into this program (cnnc_compile_model in CMakeLists.txt), run
 * through the same cnnc C API as a .cnn file: cnnc_model_from_compiled.
 *
 *   classify_compiled IMAGE.f32...
 *
 * Prints what classify prints for the same weights. */
#include <cnnc/cnnc.h>
#include <stdio.h>

#include "lenet.h"

int main(int argc, char** argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: classify_compiled IMAGE.f32...\n");
    return 2;
  }
  cnnc_model* model = NULL;
  if (cnnc_model_from_compiled(&lenet_compiled, &model) != CNNC_OK) {
    fprintf(stderr, "classify_compiled: %s\n", cnnc_last_error(NULL));
    return 1;
  }
  cnnc_session* session = NULL;
  if (cnnc_session_create(model, &session) != CNNC_OK) {
    fprintf(stderr, "classify_compiled: %s\n", cnnc_last_error(NULL));
    cnnc_model_destroy(model);
    return 1;
  }
  int status = 0;
  for (int i = 1; i < argc && status == 0; ++i) {
    float pixels[LENET_INPUT0_SIZE];
    FILE* f = fopen(argv[i], "rb");
    const size_t read = f ? fread(pixels, sizeof(float), LENET_INPUT0_SIZE, f) : 0;
    if (f) fclose(f);
    if (read != LENET_INPUT0_SIZE) {
      fprintf(stderr, "classify_compiled: %s: cannot read %d float32 pixels\n", argv[i],
              LENET_INPUT0_SIZE);
      status = 1;
      break;
    }
    int64_t dims[4] = {1, 1, 28, 28};
    cnnc_tensor input = {pixels, dims, 4, 0};
    cnnc_tensor output = {NULL, NULL, 0, 0};
    if (cnnc_session_run(session, &input, 1, &output, 1) != CNNC_OK) {
      fprintf(stderr, "classify_compiled: %s: %s\n", argv[i], cnnc_last_error(session));
      status = 1;
      break;
    }
    int best = 0;
    for (int c = 1; c < output.dims[1]; ++c)
      if (output.data[c] > output.data[best]) best = c;
    printf("%s: class %d score %.6f\n", argv[i], best, output.data[best]);
  }
  cnnc_session_destroy(session);
  cnnc_model_destroy(model);
  return status;
}
