#!/bin/bash
# `cnnc compile` as a user runs it: LeNet-5 compiled into a static library
# and a header; a C program linked with it and nothing else of cnnc gives
# `cnnc run`'s outputs bit for bit; the same model compiled twice under two
# names links into one program (no duplicate symbols); bad calls return an
# error and a message.
#   compile_test.sh SOURCE_DIR CNNC
set -euo pipefail
src=$1 cnnc=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
model="$src/examples/models/lenet5.cnn"

"$cnnc" init "$model" --seed 3 -o "$work/w.safetensors" > /dev/null
"$cnnc" compile "$model" --weights "$work/w.safetensors" -o "$work/lenet" --exe > "$work/compile.log"
"$cnnc" compile "$model" --weights "$work/w.safetensors" -o "$work/other" --name lenet_copy > /dev/null
test -f "$work/lenet/liblenet.a" && test -f "$work/lenet/lenet.h"

cat > "$work/use.c" <<'C'
#include <stdio.h>
#include <string.h>
#include "lenet.h"
#include "lenet_copy.h"
int main(int argc, char** argv) {
  static float image[LENET_INPUT0_SIZE], a[LENET_OUTPUT0_SIZE], b[LENET_COPY_OUTPUT0_SIZE];
  FILE* f = fopen(argv[1], "rb");
  if (!f || fread(image, sizeof(float), LENET_INPUT0_SIZE, f) != LENET_INPUT0_SIZE) return 2;
  fclose(f);
  lenet* m;
  lenet_copy* n;
  if (lenet_create(&m) != 0 || lenet_copy_create(&n) != 0) return 3;
  const float* in[1] = {image};
  float* out_a[1] = {a};
  float* out_b[1] = {b};
  if (lenet_run(m, in, out_a) != 0 || lenet_copy_run(n, in, out_b) != 0) return 4;
  if (memcmp(a, b, sizeof a) != 0) { fprintf(stderr, "the two copies differ\n"); return 5; }
  /* Bad calls: a status and a message, no crash. */
  float* no_out[1] = {NULL};
  if (lenet_run(m, in, no_out) != 1 || strstr(lenet_last_error(m), "('probs') is null") == NULL) {
    fprintf(stderr, "a null output was not refused: %s\n", lenet_last_error(m));
    return 6;
  }
  if (lenet_run(NULL, in, out_a) != 1 || lenet_create(NULL) != 1) return 7;
  char unaligned[LENET_ARENA_BYTES + 1];
  lenet* u;
  if (lenet_create_with_arena(unaligned + 1, LENET_ARENA_BYTES, &u) != 1) return 8;
  fwrite(a, sizeof(float), LENET_OUTPUT0_SIZE, stdout);
  lenet_destroy(m);
  lenet_copy_destroy(n);
  return 0;
}
C
# Only libc (libm and pthread are part of it): no cnnc, Halide or LLVM.
cc -std=c11 -Wall -Werror -I "$work/lenet" -I "$work/other" "$work/use.c" \
  "$work/lenet/liblenet.a" "$work/other/liblenet_copy.a" -lm -lpthread -o "$work/use"
if ldd "$work/use" | grep -Eiq 'halide|llvm|cnnc'; then
  echo "the program links more than libc:"; ldd "$work/use"; exit 1
fi

python3 "$src/tests/compile/tensor_files.py" write "$work/x" 1 1 28 28
"$cnnc" run "$model" --weights "$work/w.safetensors" --input "$work/x.npy" --output "$work/y.npy" > /dev/null
"$work/use" "$work/x.f32" > "$work/y.f32"
python3 "$src/tests/compile/tensor_files.py" same "$work/y.npy" "$work/y.f32" 40

# The plan declares Halide 14's buffer ABI itself (to stay freestanding for
# cross compilers): it must lay out as HalideRuntime.h's.
runtime_h=$(find /usr/include -name HalideRuntime.h | head -1)
sed -n '/^typedef struct halide_dimension_t/,/^enum { halide_type_float/p' \
  "$work/lenet/build/lenet_model.c" | sed 's/halide_/plan_/g' > "$work/plan_abi.h"
grep -q "plan_buffer_t" "$work/plan_abi.h"
cat > "$work/abi.c" <<'C'
#include <stddef.h>
#include <stdint.h>
#include "HalideRuntime.h"
#include "plan_abi.h"
#define SAME(T, U, f) _Static_assert(offsetof(T, f) == offsetof(U, f), #T "." #f)
_Static_assert(sizeof(plan_buffer_t) == sizeof(halide_buffer_t), "buffer size");
SAME(plan_buffer_t, halide_buffer_t, device);
SAME(plan_buffer_t, halide_buffer_t, device_interface);
SAME(plan_buffer_t, halide_buffer_t, host);
SAME(plan_buffer_t, halide_buffer_t, flags);
SAME(plan_buffer_t, halide_buffer_t, type);
SAME(plan_buffer_t, halide_buffer_t, dimensions);
SAME(plan_buffer_t, halide_buffer_t, dim);
SAME(plan_buffer_t, halide_buffer_t, padding);
_Static_assert(sizeof(plan_dimension_t) == sizeof(halide_dimension_t), "dimension size");
SAME(plan_dimension_t, halide_dimension_t, min);
SAME(plan_dimension_t, halide_dimension_t, extent);
SAME(plan_dimension_t, halide_dimension_t, stride);
SAME(plan_dimension_t, halide_dimension_t, flags);
_Static_assert(sizeof(struct plan_type_t) == sizeof(struct halide_type_t), "type size");
SAME(struct plan_type_t, struct halide_type_t, code);
SAME(struct plan_type_t, struct halide_type_t, bits);
SAME(struct plan_type_t, struct halide_type_t, lanes);
_Static_assert((int)plan_type_float == (int)halide_type_float, "float code");
C
cc -std=c11 -fsyntax-only -I "$(dirname "$runtime_h")" -I "$work" "$work/abi.c"

# The standalone program classifies an image as `cnnc run` does.
image="$src/examples/images/digit7.png"
exe=$("$work/lenet/lenet" "$image")
top=$("$cnnc" run "$model" --weights "$work/w.safetensors" --input "$image" --top 1 | grep '1\. class')
class=$(echo "$top" | awk '{print $3}') score=$(echo "$top" | awk '{print $4}')
[ "$exe" = "$image: class $class score $score" ] || { echo "the program says '$exe'; cnnc run: $top"; exit 1; }
"$work/lenet/lenet" --bench 5 | grep -q "median"
if "$work/lenet/lenet" /nonexistent.png 2> "$work/err"; then echo "a missing image was accepted"; exit 1; fi
grep -q "/nonexistent.png: cannot decode image" "$work/err"

# --invert, --mean and --std baked into the program: what cnnc run gives
# with the same options; a count that does not fit the input, or the
# options without --exe, are refused before anything is written.
"$cnnc" compile "$model" --weights "$work/w.safetensors" -o "$work/norm" --name lenet --exe \
  --invert --mean 0.5 --std 0.25 > /dev/null
exe_norm=$("$work/norm/lenet" "$image")
top=$("$cnnc" run "$model" --weights "$work/w.safetensors" --input "$image" --top 1 --invert \
  --mean 0.5 --std 0.25 | grep '1\. class')
class=$(echo "$top" | awk '{print $3}') score=$(echo "$top" | awk '{print $4}')
[ "$exe_norm" = "$image: class $class score $score" ] || { echo "normalized: '$exe_norm'; cnnc run: $top"; exit 1; }
[ "$exe_norm" != "$exe" ] || { echo "--mean/--std/--invert changed nothing"; exit 1; }
if "$cnnc" compile "$model" --weights "$work/w.safetensors" -o "$work/norm2" --exe --mean 0.1 0.2 2> "$work/err"; then
  echo "two means for one channel were accepted"; exit 1
fi
grep -q "has 2 values, but the model's input has 1 channels" "$work/err"
if ls "$work/norm2"/*.a "$work/norm2"/*.h 2> /dev/null; then echo "a refused compile wrote files"; exit 1; fi
if "$cnnc" compile "$model" --weights "$work/w.safetensors" -o "$work/norm3" --std 0.5 2> "$work/err"; then
  echo "--std without --exe was accepted"; exit 1
fi
grep -q "add --exe" "$work/err"

# --external-weights: the same answers with the weights read from a file;
# a damaged, short or missing file is refused naming it.
"$cnnc" compile "$model" --weights "$work/w.safetensors" -o "$work/ext" --name lenet \
  --external-weights --exe > /dev/null
[ "$("$work/ext/lenet" "$image")" = "$exe" ] || { echo "external weights answer differently"; exit 1; }
cp "$work/ext/lenet.weights" "$work/good.weights"
python3 -c "import sys; d = bytearray(open(sys.argv[1], 'rb').read()); d[5000] ^= 1; open(sys.argv[1], 'wb').write(d)" "$work/ext/lenet.weights"
if "$work/ext/lenet" "$image" 2> "$work/err"; then echo "damaged weights were accepted"; exit 1; fi
grep -q "lenet.weights: the weights are truncated or damaged" "$work/err"
head -c 100 "$work/good.weights" > "$work/ext/lenet.weights"
if "$work/ext/lenet" "$image" 2> "$work/err"; then echo "short weights were accepted"; exit 1; fi
grep -q "lenet.weights: the weights are truncated or damaged" "$work/err"
rm "$work/ext/lenet.weights"
if "$work/ext/lenet" "$image" 2> "$work/err"; then echo "missing weights were accepted"; exit 1; fi
grep -q "lenet.weights: cannot open the weights file" "$work/err"

# 8 threads at once under ThreadSanitizer: the library built for Halide's
# tsan feature, the program instrumented.
"$cnnc" compile "$model" --weights "$work/w.safetensors" -o "$work/tsan" --name lenet \
  --target host-tsan > /dev/null 2>&1
cc -std=c11 -O1 -g -fsanitize=thread -I "$work/tsan" "$src/tests/compile/threads.c" \
  "$work/tsan/liblenet.a" -lm -lpthread -o "$work/threads"
TSAN_OPTIONS=halt_on_error=1:exitcode=66 "$work/threads"

# Cross-compiled for 64-bit ARM Linux: every object of the archive (plan,
# weights, kernels, runtime) is AArch64; no program for another machine.
"$cnnc" compile "$model" --weights "$work/w.safetensors" -o "$work/arm" --name lenet_arm \
  --target arm-64-linux > /dev/null
machines=$(readelf -h "$work/arm/liblenet_arm.a" | grep 'Machine:' | sort | uniq -c)
[ "$(echo "$machines" | wc -l)" = 1 ] && echo "$machines" | grep -q AArch64 \
  || { echo "not all AArch64: $machines"; exit 1; }
[ "$(readelf -h "$work/arm/liblenet_arm.a" | grep -c 'Machine:')" -ge 4 ]
if "$cnnc" compile "$model" --weights "$work/w.safetensors" -o "$work/arm2" --target arm-64-linux --exe 2> "$work/err"; then
  echo "--exe for another machine was accepted"; exit 1
fi
grep -q "builds a program for this machine" "$work/err"

# A backend that does not compile to a library: said, not ignored.
if "$cnnc" compile "$model" --weights "$work/w.safetensors" -o "$work/ref" --backend reference 2> "$work/err"; then
  echo "--backend reference was accepted"; exit 1
fi
grep -q "compiles for halide (CPU kernels) or vulkan" "$work/err"

# A compile that fails (here: no working C compiler) leaves the directory's
# earlier library and header as they were, not half replaced.
sums=$(md5sum "$work/lenet/liblenet.a" "$work/lenet/lenet.h" "$work/lenet/lenet")
if CNNC_CC=false "$cnnc" compile "$model" --weights "$work/w.safetensors" -o "$work/lenet" --batch 2 \
  --exe 2> "$work/err"; then
  echo "a compile without a C compiler succeeded"; exit 1
fi
grep -q "compiling the plan of lenet" "$work/err"
[ "$(md5sum "$work/lenet/liblenet.a" "$work/lenet/lenet.h" "$work/lenet/lenet")" = "$sums" ] \
  || { echo "a failed compile changed the earlier files"; exit 1; }

# A name that is not a C identifier is refused.
if "$cnnc" compile "$model" --weights "$work/w.safetensors" -o "$work/bad" --name 9lives 2> "$work/err"; then
  echo "a bad name was accepted"; exit 1
fi
grep -q "'9lives' is not a C identifier" "$work/err"
echo "cnnc compile: ok"
