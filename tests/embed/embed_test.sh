#!/bin/bash
# The embedding examples (examples/embed) built against an installed cnnc,
# as a user would: `cmake --install` into a fresh prefix, find_package(cnnc)
# for the C and C++ programs, and for the same two with a LeNet-5 compiled
# in (cnnc_compile_model), once more compiled for Vulkan; pkg-config for a
# plain `cc` build; all classify the same images the same way.
#   embed_test.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
src=$1 build=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cmake --install "$build" --prefix "$work/prefix" > "$work/install.log"
test -f "$work/prefix/include/cnnc/cnnc.h"
test -f "$work/prefix/lib/cmake/cnnc/cnncConfig.cmake"

cmake -S "$src/examples/embed" -B "$work/b" -G Ninja -DCMAKE_PREFIX_PATH="$work/prefix" > "$work/configure.log"
cmake --build "$work/b" > "$work/build.log"

PKG_CONFIG_PATH="$work/prefix/lib/pkgconfig" cc -std=c11 -Wall -Werror \
  "$src/examples/embed/classify.c" $(PKG_CONFIG_PATH="$work/prefix/lib/pkgconfig" pkg-config --cflags --libs cnnc) \
  -o "$work/classify_pc"

# Two images: float32 pixels, as the programs read them.
python3 -c "
import struct, sys
for n, seed in (('a', 1), ('b', 7)):
    with open('$work/' + n + '.f32', 'wb') as f:
        f.write(struct.pack('<784f', *[((i * 2654435761 + seed) % 997) / 997.0 for i in range(784)]))
"
model="$src/examples/models/lenet5.cnn"
c=$("$work/b/classify" "$model" - "$work/a.f32" "$work/b.f32")
cpp=$("$work/b/classify_cpp" "$model" - "$work/a.f32" "$work/b.f32")
pc=$("$work/classify_pc" "$model" - "$work/a.f32" "$work/b.f32")
echo "$c"
[ "$c" = "$cpp" ] || { echo "C and C++ programs differ:"; echo "$cpp"; exit 1; }
[ "$c" = "$pc" ] || { echo "the pkg-config build differs:"; echo "$pc"; exit 1; }
# The model compiled into the program (same weights: He, seed 1), through
# the same API: the same kernels, so the same digits.
compiled=$("$work/b/classify_compiled" "$work/a.f32" "$work/b.f32")
[ "$c" = "$compiled" ] || { echo "the compiled model differs:"; echo "$compiled"; exit 1; }
compiled_cpp=$("$work/b/classify_compiled_cpp" "$work/a.f32" "$work/b.f32")
[ "$c" = "$compiled_cpp" ] || { echo "the compiled model differs in C++:"; echo "$compiled_cpp"; exit 1; }
[ "$(echo "$c" | grep -c 'class [0-9] score 0\.')" = 2 ] || { echo "unexpected output"; exit 1; }
# Compiled for Vulkan (the machine's device; lavapipe in CI): the same
# classes, scores within 1e-5 (other kernels, other rounding).
vulkan=$(CNNC_VULKAN_VALIDATION=1 "$work/b/classify_compiled_vulkan" "$work/a.f32" "$work/b.f32")
python3 - "$c" "$vulkan" <<'PY' || { echo "the Vulkan-compiled model differs:"; echo "$vulkan"; exit 1; }
import sys
cpu = [l.split() for l in sys.argv[1].splitlines()]
gpu = [l.split() for l in sys.argv[2].splitlines()]
assert len(cpu) == len(gpu) == 2
for a, b in zip(cpu, gpu):
    assert a[:-1] == b[:-1] and abs(float(a[-1]) - float(b[-1])) <= 1e-5, (a, b)
PY

# A bad call exits 1 with the library's message naming the file.
if out=$("$work/b/classify" /nonexistent.cnn - "$work/a.f32" 2>&1); then
  echo "a missing model was accepted"; exit 1
fi
echo "$out" | grep -q "/nonexistent.cnn" || { echo "no file in: $out"; exit 1; }
echo "embedding examples: ok"
