#!/bin/bash
# `cnnc compile --backend vulkan` as a user runs it, on whatever Vulkan
# device the machine has (lavapipe in CI), with the validation layer on:
# the compiled models give `cnnc run --backend vulkan`'s outputs bit for bit
# (LeNet-5 through the fused convolution kernel, a residual network at batch
# 3 through the shared-memory GEMM), directly and through staging buffers;
# two compiled models link into one program; external parameters are read
# and checked; 8 threads with an instance
# each agree with one; the standalone program classifies as `cnnc run`;
# bad calls and environments are refused with a message.
#   vulkan_compile_test.sh SOURCE_DIR CNNC
set -euo pipefail
src=$1 cnnc=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export CNNC_VULKAN_VALIDATION=1
lenet="$src/examples/models/lenet5.cnn" resnet="$src/examples/models/resnet_fashion.cnn"

"$cnnc" init "$lenet" --seed 3 -o "$work/lenet.safetensors" > /dev/null
"$cnnc" init "$resnet" --seed 4 -o "$work/resnet.safetensors" > /dev/null
"$cnnc" compile "$lenet" --weights "$work/lenet.safetensors" -o "$work/lenet" --backend vulkan --exe \
  > "$work/compile.log"
grep -q "for Vulkan" "$work/compile.log"
"$cnnc" compile "$resnet" --weights "$work/resnet.safetensors" -o "$work/resnet" --backend vulkan \
  --batch 3 --name resnet --schedule gemm > /dev/null

# Inputs: the same deterministic values as .npy (cnnc run) and raw .f32.
python3 "$src/tests/compile/tensor_files.py" write "$work/x1" 1 1 28 28
python3 "$src/tests/compile/tensor_files.py" write "$work/x3" 3 1 28 28

# One program runs a model through its descriptor; two models link into it.
build() {  # build NAME DIR...: the runner for model NAME, linked with every DIR's library
  local name=$1; shift
  local libs=() incs=()
  for d in "$@"; do incs+=(-I "$d"); libs+=("$d"/lib*.a); done
  cc -std=c11 -Wall -Werror "${incs[@]}" -DHEADER="\"$name.h\"" -DDESCRIPTOR="${name}_compiled" \
    "$src/tests/compile/run_compiled.c" "${libs[@]}" -lvulkan -o "$work/run_$name"
}
build lenet "$work/lenet" "$work/resnet"
build resnet "$work/resnet" "$work/lenet"
if ldd "$work/run_lenet" | grep -Eiq 'halide|llvm|cnnc'; then
  echo "the program links more than libc and libvulkan:"; ldd "$work/run_lenet"; exit 1
fi

same() {  # same MODEL WEIGHTS NPY F32 RUNNER: bit-exact against cnnc run --backend vulkan
  "$cnnc" run "$1" --weights "$2" --backend vulkan --input "$3" --output "$work/jit.npy" > /dev/null
  "$5" "$4" > "$work/aot.f32"
  python3 "$src/tests/compile/tensor_files.py" same "$work/jit.npy" "$work/aot.f32"
}
same "$lenet" "$work/lenet.safetensors" "$work/x1.npy" "$work/x1.f32" "$work/run_lenet"
CNNC_VULKAN_STAGING=1 same "$lenet" "$work/lenet.safetensors" "$work/x1.npy" "$work/x1.f32" "$work/run_lenet"
same "$resnet" "$work/resnet.safetensors" "$work/x3.npy" "$work/x3.f32" "$work/run_resnet"
CNNC_VULKAN_STAGING=1 same "$resnet" "$work/resnet.safetensors" "$work/x3.npy" "$work/x3.f32" "$work/run_resnet"

# The standalone program classifies an image as `cnnc run` does.
image="$src/examples/images/digit7.png"
exe=$("$work/lenet/lenet" "$image")
top=$("$cnnc" run "$lenet" --weights "$work/lenet.safetensors" --backend vulkan --input "$image" --top 1 | grep '1\. class')
class=$(echo "$top" | awk '{print $3}') score=$(echo "$top" | awk '{print $4}')
[ "$exe" = "$image: class $class score $score" ] || { echo "the program says '$exe'; cnnc run: $top"; exit 1; }

# The parameters read from a file instead: the same answer; a damaged file
# is refused naming it.
"$cnnc" compile "$lenet" --weights "$work/lenet.safetensors" -o "$work/ext" --name lenet \
  --backend vulkan --external-weights --exe > /dev/null
[ "$("$work/ext/lenet" "$image")" = "$exe" ] || { echo "external weights answer differently"; exit 1; }
python3 -c "import sys; d = bytearray(open(sys.argv[1], 'rb').read()); d[4000] ^= 1; open(sys.argv[1], 'wb').write(d)" "$work/ext/lenet.weights"
if "$work/ext/lenet" "$image" 2> "$work/err"; then echo "damaged weights were accepted"; exit 1; fi
grep -q "lenet.weights: the weights are truncated or damaged" "$work/err"

# 8 threads, an instance (and a device) each: the same outputs as one.
cc -std=c11 -O1 -I "$work/lenet" "$src/tests/compile/threads.c" "$work/lenet/liblenet.a" \
  -lvulkan -lpthread -o "$work/threads"
"$work/threads" > /dev/null

# A device that is not there, and bad calls: a status and a message.
if CNNC_VULKAN_DEVICE=99 "$work/lenet/lenet" "$image" 2> "$work/err"; then
  echo "a missing device was accepted"; exit 1
fi
grep -q "CNNC_VULKAN_DEVICE=99: there are" "$work/err"
cat > "$work/bad.c" <<'C'
#include <stdio.h>
#include <string.h>
#include "lenet.h"
int main(void) {
  static float image[LENET_INPUT0_SIZE], scores[LENET_OUTPUT0_SIZE];
  lenet* m;
  if (lenet_create(&m) != 0) { fprintf(stderr, "%s\n", lenet_create_error()); return 1; }
  const float* in[1] = {image};
  float* no_out[1] = {NULL};
  float* out[1] = {scores};
  if (lenet_run(m, in, no_out) != 1 || !strstr(lenet_last_error(m), "('probs') is null")) return 2;
  if (lenet_run(NULL, in, out) != 1 || lenet_create(NULL) != 1) return 3;
  if (lenet_run(m, in, out) != 0 || lenet_last_error(m)[0] != 0) return 4;
  lenet_destroy(m);
  lenet_destroy(NULL);
  return 0;
}
C
cc -std=c11 -Wall -Werror -I "$work/lenet" "$work/bad.c" "$work/lenet/liblenet.a" -lvulkan -o "$work/bad"
"$work/bad"
if "$cnnc" compile "$lenet" --weights "$work/lenet.safetensors" -o "$work/x" --backend vulkan \
  --target arm-64-linux 2> "$work/err"; then
  echo "--target with vulkan was accepted"; exit 1
fi
grep -q "a Vulkan library is compiled for this machine" "$work/err"
echo "cnnc compile --backend vulkan: ok"
