/* The cnnc C API: load a model (a .cnn file compiled just in time through
 * the kernel cache), run it from any number of sessions and threads.
 *
 *   cnnc_model_options opts;
 *   cnnc_model_options_init(&opts);
 *   cnnc_model* m;
 *   if (cnnc_model_load("lenet5.cnn", "lenet.safetensors", &opts, &m) != CNNC_OK) {
 *     fprintf(stderr, "%s\n", cnnc_last_error(NULL));
 *   }
 *   cnnc_session* s;
 *   cnnc_session_create(m, &s);
 *   cnnc_tensor in = {image, dims, 4}, out = {NULL, NULL, 0};
 *   cnnc_session_run(s, &in, 1, &out, 1);      // out.data: owned by the session
 *   cnnc_session_destroy(s);
 *   cnnc_model_destroy(m);
 *
 * Errors: every function returns a status; the message of the last failed
 * call is cnnc_last_error(session) for calls on a session, and
 * cnnc_last_error(NULL) for the others (per thread). No call throws or
 * aborts on bad input: a null handle, a wrong tensor count or shape, or a
 * missing file is a status and a message naming it.
 *
 * Threads: a model is immutable once loaded and may be shared by any number
 * of sessions on any threads; a session is used by one thread at a time.
 * Runs of different sessions of one model proceed at the same time.
 */
#ifndef CNNC_CNNC_H
#define CNNC_CNNC_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CNNC_API_VERSION 1

typedef enum cnnc_status {
  CNNC_OK = 0,
  CNNC_ERROR_INVALID_ARGUMENT = 1, /* a null handle or pointer, a bad option */
  CNNC_ERROR_IO = 2,               /* a file missing, unreadable or malformed */
  CNNC_ERROR_MODEL = 3,            /* the model text or its weights are wrong */
  CNNC_ERROR_SHAPE = 4,            /* a tensor count, rank or dimension does not fit */
  CNNC_ERROR_BACKEND = 5,          /* the backend cannot run the model here */
  CNNC_ERROR_OUT_OF_MEMORY = 6,
  CNNC_ERROR_INTERNAL = 7
} cnnc_status;

typedef struct cnnc_model cnnc_model;
typedef struct cnnc_session cnnc_session;

typedef struct cnnc_model_options {
  const char* backend;   /* "halide" (default), "reference" or "vulkan" */
  int threads;           /* 0: every core */
  const char* cache_dir; /* compiled kernels; NULL: $CNNC_CACHE_DIR or ~/.cache/cnnc */
  int device;            /* the Vulkan device; -1: the default */
  /* Without weights: "he" or "xavier", seeded by `seed`; NULL: weights required. */
  const char* init;
  uint64_t seed;
} cnnc_model_options;

/* A tensor of float32 values, row-major. Inputs: `data` and `dims` given.
 * Outputs: with `data` NULL the session provides the values (valid until
 * its next run or its destruction) and sets `data`, `dims`, `rank`; with
 * `data` given, `capacity` floats are there for the values and `dims`
 * (room for 8) receives the shape. */
typedef struct cnnc_tensor {
  float* data;
  int64_t* dims;
  size_t rank;
  size_t capacity; /* outputs with caller-provided data: floats available */
} cnnc_tensor;

void cnnc_model_options_init(cnnc_model_options* options);

/* Parses, loads the weights (safetensors; NULL with options->init set:
 * initialized), optimizes and compiles `model_path`. */
cnnc_status cnnc_model_load(const char* model_path, const char* weights_path,
                            const cnnc_model_options* options, cnnc_model** model);
void cnnc_model_destroy(cnnc_model* model);

size_t cnnc_model_input_count(const cnnc_model* model);
size_t cnnc_model_output_count(const cnnc_model* model);
/* The name and shape of input or output `index`; dims[0] is -1 for the
 * batch (any size). `dims` has room for 8; `rank` receives the count. */
cnnc_status cnnc_model_input(const cnnc_model* model, size_t index, const char** name,
                             int64_t* dims, size_t* rank);
cnnc_status cnnc_model_output(const cnnc_model* model, size_t index, const char** name,
                              int64_t* dims, size_t* rank);

cnnc_status cnnc_session_create(cnnc_model* model, cnnc_session** session);
void cnnc_session_destroy(cnnc_session* session);
cnnc_status cnnc_session_run(cnnc_session* session, const cnnc_tensor* inputs, size_t input_count,
                             cnnc_tensor* outputs, size_t output_count);

/* The message of the last failed call on `session`, or of this thread's
 * last failed call without one (session NULL); "" when none failed. Valid
 * until the next call on that session (or, for NULL, on this thread). */
const char* cnnc_last_error(const cnnc_session* session);

const char* cnnc_version(void);

/* A model compiled by `cnnc compile` and linked into the program, behind
 * the same API: `cnnc compile ... -o out/lenet` defines `lenet_compiled`
 * (declared in out/lenet/lenet.h), and
 *   cnnc_model_from_compiled(&lenet_compiled, &model)
 * gives a model whose sessions run it (at its compiled batch size). The
 * generated header defines the same struct under the same guard. */
#ifndef CNNC_COMPILED_MODEL_DEFINED
#define CNNC_COMPILED_MODEL_DEFINED
#define CNNC_COMPILED_MODEL_VERSION 1
typedef struct cnnc_compiled_model {
  int version; /* CNNC_COMPILED_MODEL_VERSION */
  const char* name;
  size_t input_count, output_count;
  const char* const* input_names;
  const char* const* output_names;
  const size_t* input_ranks;
  const size_t* output_ranks;
  const int64_t* const* input_dims;
  const int64_t* const* output_dims;
  int (*create)(void** instance);
  int (*run)(void* instance, const float* const* inputs, float* const* outputs);
  void (*destroy)(void* instance);
  const char* (*last_error)(const void* instance);
} cnnc_compiled_model;
#endif

cnnc_status cnnc_model_from_compiled(const cnnc_compiled_model* compiled, cnnc_model** model);

#ifdef __cplusplus
}
#endif

#endif /* CNNC_CNNC_H */
