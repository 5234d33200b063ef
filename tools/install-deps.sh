#!/usr/bin/env bash
# Installs the Debian 12 packages cnnc needs, only those missing.
#   tools/install-deps.sh           what `make demo` and `make test` need
#   tools/install-deps.sh bench     also the peers the benchmarks compare against
# Later features add package names to these lists, not new mechanisms.
set -euo pipefail

build_packages=(
  cmake ninja-build g++ make pkg-config file
  libboost-graph-dev libfmt-dev nlohmann-json3-dev libcli11-dev libstb-dev libxxhash-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  # Halide CPU backend (brings LLVM)
  libhalide14-0-dev
  # Vulkan backend: headers and loader, the GLSL compiler, SPIR-V tools,
  # Mesa's drivers (lavapipe runs shaders on the CPU), the validation layer
  libvulkan-dev glslc spirv-tools mesa-vulkan-drivers vulkan-validationlayers
  # `cnnc compile --target`: the generated C for another machine (clang) and
  # its archive (llvm-ar)
  clang llvm
  # Training data, and zlib to read its gzip-compressed IDX files
  dataset-fashion-mnist zlib1g-dev
)
bench_packages=(
  python3-torch python3-torchvision python3-numpy libopenblas0-openmp libdnnl-dev
)

wanted=("${build_packages[@]}")
if [ "${1:-}" = bench ]; then wanted+=("${bench_packages[@]}"); fi

missing=()
for p in "${wanted[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "installing: ${missing[*]}"
SUDO=
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
