#!/usr/bin/env bash
# The main job of `make demo`: what cnnc does today, end to end.
set -euo pipefail
cnnc=$(realpath "${1:-build/cnnc}")
cd "$(dirname "$0")/.."
here=examples
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
# The training section: its backend (halide; CNNC_DEMO_TRAIN_BACKEND=reference
# switches it), the data it trains on, and where its pictures stay afterwards.
train_backend=${CNNC_DEMO_TRAIN_BACKEND:-halide}
fashion=/usr/share/datasets/fashion-mnist
pics=$(dirname "$cnnc")/demo
step() { printf '\n\033[1m== %s\033[0m\n$ %s\n' "$1" "$2"; }

step "The model language: LeNet-5" "cat examples/models/lenet5.cnn"
cat "$here/models/lenet5.cnn"

step "Inspect it: shapes, parameters, MACs, peak activation memory" "cnnc inspect examples/models/lenet5.cnn"
"$cnnc" inspect "$here/models/lenet5.cnn"

step "ResNet-50 in $(grep -cv '^\s*\(#\|$\)' "$here/models/resnet50.cnn") lines, thanks to blocks and repeat (totals only)" \
  "cnnc inspect examples/models/resnet50.cnn | tail -5"
"$cnnc" inspect "$here/models/resnet50.cnn" | tail -5

step "Run LeNet-5 on an image with seeded He initialization (Halide backend; untrained weights, so the classes mean nothing)" \
  "cnnc run examples/models/lenet5.cnn --init he --seed 1 --input examples/images/digit7.png --top 3"
"$cnnc" run "$here/models/lenet5.cnn" --init he --seed 1 --input "$here/images/digit7.png" --top 3

step "Weights files: write them, then run a batch of two images and save the output" \
  "cnnc init examples/models/lenet5.cnn --seed 3 -o w.safetensors; cnnc run ... --weights w.safetensors --input digit7.png card.png --output probs.npy"
"$cnnc" init "$here/models/lenet5.cnn" --seed 3 -o "$out/w.safetensors"
"$cnnc" run "$here/models/lenet5.cnn" --weights "$out/w.safetensors" --input "$here/images/digit7.png" "$here/images/card.png" --output "$out/probs.npy"

step "Benchmark MobileNet-v2 on the Halide backend (the first time compiles its kernels into the cache): latency, and the slowest kernels with the layout each one wrote" \
  "cnnc bench examples/models/mobilenet_v2.cnn --batch 1 --iters 20 | head -17"
"$cnnc" bench "$here/models/mobilenet_v2.cnn" --batch 1 --iters 20 | head -17

step "Errors are for people: every problem, with file:line:col, a caret and a hint" "cnnc check tests/errors/many_errors.cnn"
"$cnnc" check tests/errors/many_errors.cnn || echo "(exit status $?)"

step "A shape mismatch names where each operand came from, through blocks" "cnnc check tests/errors/mismatch_through_block.cnn"
"$cnnc" check tests/errors/mismatch_through_block.cnn || echo "(exit status $?)"

step "Graphviz" "cnnc dot examples/models/googlenet.cnn | head -5"
"$cnnc" dot "$here/models/googlenet.cnn" > "$out/g.dot"
head -5 "$out/g.dot"

step "Plugins add ops" "cnnc --plugin build/examples/plugins/swish/libswish.so ops | grep swish"
plugin=$(dirname "$cnnc")/examples/plugins/swish/libswish.so
"$cnnc" --plugin "$plugin" ops | grep swish

step "Backends" "cnnc backends"
"$cnnc" backends

# Halide trains all 60,000 images three times in a few seconds; the
# reference backend (the oracle) gets a tenth of them twice.
if [ "$train_backend" = halide ]; then train_size="--epochs 3"; what="three epochs on the 60,000 training images"
else train_size="--epochs 2 --limit 6400"; what="two epochs on 6,400 images"; fi
step "Train LeNet-5 on Fashion-MNIST: $what ($train_backend backend; each epoch ends with the test split's accuracy)" \
  "cnnc train examples/models/lenet5.cnn --data idx:$fashion $train_size --batch 64 --optimizer sgd --lr 0.01 --momentum 0.9 --backend $train_backend --out run"
# shellcheck disable=SC2086  # $train_size is two or four words
"$cnnc" train "$here/models/lenet5.cnn" --data "idx:$fashion" $train_size --batch 64 \
  --optimizer sgd --lr 0.01 --momentum 0.9 --backend "$train_backend" --no-progress --out "$out/run"

step "Evaluate the trained weights on the 10,000 test images: accuracy, per class, confusion matrix" \
  "cnnc eval examples/models/lenet5.cnn --weights run/last.safetensors --data idx:$fashion --split test --backend $train_backend"
"$cnnc" eval "$here/models/lenet5.cnn" --weights "$out/run/last.safetensors" --data "idx:$fashion" \
  --split test --backend "$train_backend"

mkdir -p "$pics"
step "Pictures: the training curves and the first layer's filters, as PNG files in $pics" \
  "cnnc viz curves run -o curves.png; cnnc viz filters examples/models/lenet5.cnn --weights run/last.safetensors --layer c1 -o filters.png"
"$cnnc" viz curves "$out/run" -o "$pics/curves.png"
"$cnnc" viz filters "$here/models/lenet5.cnn" --weights "$out/run/last.safetensors" --layer c1 -o "$pics/filters.png"

image="$here/images/digit7.png"
step "Compile the trained LeNet-5 into a static library, a C header and a standalone program: nothing of cnnc, Halide or LLVM at run time" \
  "cnnc compile examples/models/lenet5.cnn --weights run/last.safetensors -o lenet --exe; lenet/lenet examples/images/digit7.png; lenet/lenet --bench 200"
"$cnnc" compile "$here/models/lenet5.cnn" --weights "$out/run/last.safetensors" -o "$out/lenet" --exe
"$out/lenet/lenet" "$image"
"$out/lenet/lenet" --bench 200
if "$cnnc" devices > /dev/null 2>&1; then
  step "The same for Vulkan: SPIR-V and a small Vulkan runtime in the library, on the machine's Vulkan device" \
    "cnnc compile examples/models/lenet5.cnn --weights run/last.safetensors -o lenet-vulkan --name lenet --backend vulkan --exe; lenet-vulkan/lenet examples/images/digit7.png"
  "$cnnc" compile "$here/models/lenet5.cnn" --weights "$out/run/last.safetensors" -o "$out/lenet-vulkan" \
    --name lenet --backend vulkan --exe
  "$out/lenet-vulkan/lenet" "$image"
fi
