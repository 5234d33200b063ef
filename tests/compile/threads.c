/* One compiled model run from 8 threads at once, an instance each: every
 * run gives what one thread gives. Built with -fsanitize=thread against a
 * library compiled for Halide's "tsan" target feature (its runtime tells
 * ThreadSanitizer about its own synchronization). */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include "lenet.h"
#define THREADS 8
#define RUNS 20
static float images[THREADS][LENET_INPUT0_SIZE], want[THREADS][LENET_OUTPUT0_SIZE];
static int bad[THREADS];
static void* work(void* arg) {
  const int t = (int)(size_t)arg;
  lenet* m;
  if (lenet_create(&m) != 0) {
    bad[t] = 1;
    return NULL;
  }
  for (int r = 0; r < RUNS; ++r) {
    float got[LENET_OUTPUT0_SIZE];
    const float* in[1] = {images[t]};
    float* out[1] = {got};
    if (lenet_run(m, in, out) != 0 || memcmp(got, want[t], sizeof got) != 0) bad[t] = 1;
  }
  lenet_destroy(m);
  return NULL;
}
int main(void) {
  lenet* m;
  if (lenet_create(&m) != 0) return 1;
  for (int t = 0; t < THREADS; ++t) {
    for (int i = 0; i < LENET_INPUT0_SIZE; ++i)
      images[t][i] = (float)((i * 7 + t * 13) % 29) / 29.0f;
    const float* in[1] = {images[t]};
    float* out[1] = {want[t]};
    if (lenet_run(m, in, out) != 0) return 2;
  }
  lenet_destroy(m);
  pthread_t threads[THREADS];
  for (int t = 0; t < THREADS; ++t) pthread_create(&threads[t], NULL, work, (void*)(size_t)t);
  for (int t = 0; t < THREADS; ++t) pthread_join(threads[t], NULL);
  for (int t = 0; t < THREADS; ++t)
    if (bad[t]) {
      fprintf(stderr, "thread %d differs from one thread\n", t);
      return 3;
    }
  printf("%d threads x %d runs: the same outputs as one thread\n", THREADS, RUNS);
  return 0;
}
