/* What the C examples share: each 28x28 float32 image file through a cnnc
 * session, its top class and score printed. A header of static functions
 * so that each example stays one file to compile. */
#ifndef CLASSIFY_IMAGES_H
#define CLASSIFY_IMAGES_H

#include <cnnc/cnnc.h>
#include <stdio.h>

/* Returns 0, or 1 after printing why a file could not be classified. */
static int classify_images(const char* program, cnnc_session* session, char** paths, int count) {
  for (int i = 0; i < count; ++i) {
    float pixels[784];
    FILE* f = fopen(paths[i], "rb");
    const size_t read = f ? fread(pixels, sizeof(float), 784, f) : 0;
    if (f) fclose(f);
    if (read != 784) {
      fprintf(stderr, "%s: %s: cannot read 784 float32 pixels\n", program, paths[i]);
      return 1;
    }
    int64_t dims[4] = {1, 1, 28, 28};
    cnnc_tensor input = {pixels, dims, 4, 0};
    cnnc_tensor output = {NULL, NULL, 0, 0};
    if (cnnc_session_run(session, &input, 1, &output, 1) != CNNC_OK) {
      fprintf(stderr, "%s: %s: %s\n", program, paths[i], cnnc_last_error(session));
      return 1;
    }
    int best = 0;
    for (int c = 1; c < output.dims[1]; ++c)
      if (output.data[c] > output.data[best]) best = c;
    printf("%s: class %d score %.6f\n", paths[i], best, output.data[best]);
  }
  return 0;
}

#endif
