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
  int status = 0;
  for (int i = 3; i < argc && status == 0; ++i) {
    float pixels[784];
    FILE* f = fopen(argv[i], "rb");
    const size_t read = f ? fread(pixels, sizeof(float), 784, f) : 0;
    if (f) fclose(f);
    if (read != 784) {
      status = fail(argv[i], "cannot read 784 float32 pixels");
      break;
    }
    int64_t dims[4] = {1, 1, 28, 28};
    cnnc_tensor input = {pixels, dims, 4, 0};
    cnnc_tensor output = {NULL, NULL, 0, 0};
    if (cnnc_session_run(session, &input, 1, &output, 1) != CNNC_OK) {
      status = fail(argv[i], cnnc_last_error(session));
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
