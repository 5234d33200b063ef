/* Runs a compiled model once through its cnnc_compiled_model descriptor:
 *   run_compiled IN0.f32 [IN1.f32...] > OUTPUTS.f32   (every output, in order)
 * Built with -DHEADER='"name.h"' -DDESCRIPTOR=name_compiled. Exit 0, or 1
 * with the library's message on stderr. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include HEADER

static size_t elements(size_t rank, const int64_t* dims) {
  size_t n = 1;
  for (size_t d = 0; d < rank; ++d) n *= (size_t)dims[d];
  return n;
}

int main(int argc, char** argv) {
  const cnnc_compiled_model* model = &DESCRIPTOR;
  if ((size_t)argc != model->input_count + 1) {
    fprintf(stderr, "usage: %s one .f32 file per input (%zu)\n", argv[0], model->input_count);
    return 2;
  }
  const float* inputs[8];
  float* outputs[8];
  for (size_t i = 0; i < model->input_count; ++i) {
    const size_t n = elements(model->input_ranks[i], model->input_dims[i]);
    float* x = malloc(n * sizeof(float));
    FILE* f = fopen(argv[i + 1], "rb");
    if (!x || !f || fread(x, sizeof(float), n, f) != n) {
      fprintf(stderr, "%s: cannot read %zu floats\n", argv[i + 1], n);
      return 1;
    }
    fclose(f);
    inputs[i] = x;
  }
  for (size_t i = 0; i < model->output_count; ++i)
    outputs[i] = malloc(elements(model->output_ranks[i], model->output_dims[i]) * sizeof(float));
  void* instance = NULL;
  if (model->create(&instance) != 0) {
    fprintf(stderr, "create failed\n");
    return 1;
  }
  if (model->run(instance, inputs, outputs) != 0) {
    fprintf(stderr, "%s\n", model->last_error(instance));
    return 1;
  }
  for (size_t i = 0; i < model->output_count; ++i)
    fwrite(outputs[i], sizeof(float), elements(model->output_ranks[i], model->output_dims[i]),
           stdout);
  model->destroy(instance);
  return 0;
}
